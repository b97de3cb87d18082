"""The JSON fast codec: large bodies read and binary predictions written in C (libcodec.so).

It belongs to the request and response layer, not to an engine: the same library serves every
model (app/native builds it beside the model library, from json_io.c and tensor_io.c). Every
method may answer None, "not handled", and the Python reader and writers then do the work
with the same bytes (tests compare them); `JsonCodec` itself handles nothing, which is what an
image without the library (the xgboost engine's, built without a compiler) serves with.
"""

from __future__ import annotations

import ctypes
import os
from array import array

from .errors import ArtifactError, InternalError

# The writers' refusals (json_io.c, tensor_io.c).
_ENCODE_REFUSALS = {-1: "the output buffer is too small", -2: "a probability is not finite"}
_I64, _I32, _F64, _PTR, _TEXT = (ctypes.c_int64, ctypes.c_int32, ctypes.c_double,
                                 ctypes.c_void_p, ctypes.c_char_p)
_I64_OUT = ctypes.POINTER(ctypes.c_int64)
# Each C entry point's arguments; all of them return an int64.
_PROTOTYPES = {
    "parse_instances": [_TEXT, _I64, _I32, _PTR, _I64, _I64_OUT],
    "parse_tensor_data": [_TEXT, _I64, _PTR, _I64, _I64_OUT, _I64_OUT, _I64_OUT],
    "encode_binary_column": [_PTR, _I64, _F64, _I32, _TEXT, _TEXT, _PTR, _I64],
    "encode_binary_column_capacity": [_I64, _I32, _TEXT, _TEXT],
    "encode_predictions": [_PTR, _I64, _F64, _TEXT, _TEXT, _PTR, _I64],
    "encode_predictions_capacity": [_I64, _TEXT, _TEXT],
}


class JsonCodec:
    """The codec's face; this base handles nothing and leaves every body to Python."""

    name = "python"

    def parse_instances(self, body: bytes, n_features: int,
                        max_rows: int) -> tuple[array, int] | None:
        """A `{"instances": [[...]...]}` body straight into doubles, and its rows."""
        return None

    def parse_tensor(self, body: bytes, max_values: int) -> tuple[array, int, int] | None:
        """An Open Inference Protocol request's flat `data` array straight into doubles, with
        where it starts and ends in the body."""
        return None

    def encode_binary_predictions(self, probabilities: array, threshold: float,
                                  negative_json: bytes, positive_json: bytes) -> str | None:
        """A binary classifier's predictions array as JSON (responses.py's rows)."""
        return None

    def encode_binary_column(self, outputs: array, threshold: float, column: int,
                             negative_json: bytes, positive_json: bytes) -> str | None:
        """One v2 output tensor's data of a binary classifier (COLUMNS in protocols/
        v2_outputs.py), without brackets."""
        return None


class NativeJsonCodec(JsonCodec):
    """libcodec.so through ctypes; the C side sizes every buffer and checks every write."""

    name = "c"

    def __init__(self, library_path: str) -> None:
        try:
            library = ctypes.CDLL(library_path)
            for symbol, argtypes in _PROTOTYPES.items():
                function = getattr(library, symbol)
                function.restype, function.argtypes = ctypes.c_int64, argtypes
        except (OSError, AttributeError) as error:
            raise ArtifactError(f"cannot load the JSON codec {library_path}: {error}; rebuild "
                                "it with `make -C app/native`") from error
        self._parse = library.parse_instances
        self._parse_tensor = library.parse_tensor_data
        self._encode = library.encode_predictions
        self._encode_capacity = library.encode_predictions_capacity
        self._encode_column = library.encode_binary_column
        self._column_capacity = library.encode_binary_column_capacity

    def parse_instances(self, body: bytes, n_features: int,
                        max_rows: int) -> tuple[array, int] | None:
        capacity = min(max_rows, len(body) // (2 * n_features) + 1)
        values = array("d", bytes(8 * capacity * n_features))
        rows = ctypes.c_int64(0)
        status = self._parse(body, len(body), n_features, values.buffer_info()[0], capacity,
                             ctypes.byref(rows))
        if status != 0:
            return None
        del values[rows.value * n_features:]
        return values, rows.value

    def parse_tensor(self, body: bytes, max_values: int) -> tuple[array, int, int] | None:
        capacity = min(max_values, len(body) // 2 + 1)  # every value takes 2 bytes or more
        values = array("d", bytes(8 * capacity))
        count, start, end = ctypes.c_int64(0), ctypes.c_int64(0), ctypes.c_int64(0)
        status = self._parse_tensor(body, len(body), values.buffer_info()[0], capacity,
                                    ctypes.byref(count), ctypes.byref(start), ctypes.byref(end))
        if status != 0:
            return None
        del values[count.value:]
        return values, start.value, end.value

    def encode_binary_predictions(self, probabilities: array, threshold: float,
                                  negative_json: bytes, positive_json: bytes) -> str:
        n = len(probabilities)
        capacity = self._encode_capacity(n, negative_json, positive_json)
        buffer = ctypes.create_string_buffer(capacity)
        written = self._encode(probabilities.buffer_info()[0], n, threshold, negative_json,
                               positive_json, buffer, capacity)
        if written < 0:
            raise InternalError("encode_predictions refused: "
                                + _ENCODE_REFUSALS.get(written, f"status {written}"))
        return ctypes.string_at(buffer, written).decode("ascii")

    def encode_binary_column(self, outputs: array, threshold: float, column: int,
                             negative_json: bytes, positive_json: bytes) -> str:
        n = len(outputs)
        capacity = self._column_capacity(n, column, negative_json, positive_json)
        buffer = ctypes.create_string_buffer(capacity)
        written = self._encode_column(outputs.buffer_info()[0], n, threshold, column,
                                      negative_json, positive_json, buffer, capacity)
        if written < 0:
            raise InternalError("encode_binary_column refused: " + _ENCODE_REFUSALS.get(
                written, f"status {written}"))
        return ctypes.string_at(buffer, written).decode("utf-8")


PYTHON_ONLY = JsonCodec()


def load_codec(library_path: str) -> JsonCodec:
    """The C codec when its library is there; a library that is there but broken fails init."""
    if not os.path.isfile(library_path):
        return PYTHON_ONLY
    return NativeJsonCodec(library_path)
