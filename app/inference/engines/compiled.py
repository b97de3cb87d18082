"""The model compiled to C (TL2cgen's if/else, or node tables and a walker) via ctypes.

No numpy, no xgboost: the runtime needs only the shared library built for its own
architecture. A batch is one C call (`predict_batch` loops over the rows); large JSON
batches are read and binary predictions written in C too (json_io.c).
"""

from __future__ import annotations

import ctypes
import os
from array import array

from ..errors import ArtifactError, InternalError
from . import Engine

# encode_predictions' refusals (json_io.c).
_ENCODE_REFUSALS = {-1: "the output buffer is too small", -2: "a probability is not finite"}


class CompiledEngine(Engine):
    name = "compiled"

    def __init__(self, library_path: str, num_features: int, num_outputs: int,
                 threads: int = 1, min_rows_per_thread: int = 1 << 40) -> None:
        if not os.path.isfile(library_path):
            raise ArtifactError(
                f"compiled model library not found at {library_path}: build it with "
                "`make -C app/native` (the image build does this for its own architecture)"
            )
        try:
            library = ctypes.CDLL(str(library_path))
        except OSError as error:
            raise ArtifactError(f"cannot load {library_path}: {error}") from error
        library.model_num_feature.restype = ctypes.c_int32
        library.model_num_output.restype = ctypes.c_int32
        library.model_layout_is_arrays.restype = ctypes.c_int32
        library.model_set_threads.restype = None
        library.model_set_threads.argtypes = [ctypes.c_int32, ctypes.c_int64]
        library.predict_batch.restype = ctypes.c_int64
        library.predict_batch.argtypes = [
            ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32, ctypes.c_void_p,
        ]
        library.parse_instances.restype = ctypes.c_int64
        library.parse_instances.argtypes = [
            ctypes.c_char_p, ctypes.c_int64, ctypes.c_int32, ctypes.c_void_p, ctypes.c_int64,
            ctypes.POINTER(ctypes.c_int64),
        ]
        library.parse_tensor_data.restype = ctypes.c_int64
        library.parse_tensor_data.argtypes = [
            ctypes.c_char_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64,
            ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_int64),
            ctypes.POINTER(ctypes.c_int64),
        ]
        library.encode_binary_column.restype = ctypes.c_int64
        library.encode_binary_column.argtypes = [
            ctypes.c_void_p, ctypes.c_int64, ctypes.c_double, ctypes.c_int32, ctypes.c_char_p,
            ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int64,
        ]
        library.encode_binary_column_capacity.restype = ctypes.c_int64
        library.encode_binary_column_capacity.argtypes = [
            ctypes.c_int64, ctypes.c_int32, ctypes.c_char_p, ctypes.c_char_p,
        ]
        library.encode_predictions.restype = ctypes.c_int64
        library.encode_predictions.argtypes = [
            ctypes.c_void_p, ctypes.c_int64, ctypes.c_double, ctypes.c_char_p, ctypes.c_char_p,
            ctypes.c_void_p, ctypes.c_int64,
        ]
        library.encode_predictions_capacity.restype = ctypes.c_int64
        library.encode_predictions_capacity.argtypes = [
            ctypes.c_int64, ctypes.c_char_p, ctypes.c_char_p,
        ]
        compiled_features = library.model_num_feature()
        if compiled_features != num_features:
            raise ArtifactError(
                f"{library_path} was compiled for {compiled_features} features but the model "
                f"has {num_features}: rebuild the library from the current model"
            )
        compiled_outputs = library.model_num_output()
        if compiled_outputs != num_outputs:
            raise ArtifactError(
                f"{library_path} gives {compiled_outputs} outputs per row but the model gives "
                f"{num_outputs}: rebuild the library from the current model"
            )
        # A batch of at least 2 * min_rows_per_thread rows is split across `threads`.
        library.model_set_threads(threads, min_rows_per_thread)
        self._layout = "arrays" if library.model_layout_is_arrays() else "ifelse"
        self._threads = threads
        self._predict = library.predict_batch
        self._parse = library.parse_instances
        self._parse_tensor = library.parse_tensor_data
        self._encode = library.encode_predictions
        self._encode_column = library.encode_binary_column
        self._column_capacity = library.encode_binary_column_capacity
        self._encode_capacity = library.encode_predictions_capacity
        self._num_features = num_features
        self._num_outputs = num_outputs

    def predict(self, values: array, n_rows: int) -> array:
        out = array("d", bytes(8 * n_rows * self._num_outputs))
        status = self._predict(values.buffer_info()[0], n_rows, self._num_features,
                               out.buffer_info()[0])
        if status != 0:
            # Rows are validated before they get here; a refusal means a broken invariant.
            raise InternalError(f"predict_batch refused its input (status {status})")
        return out

    def parse_instances(self, body: bytes, max_rows: int) -> tuple[array, int] | None:
        """`{"instances": [[numbers or null]...]}` straight into doubles; None for anything else."""
        capacity = min(max_rows, len(body) // (2 * self._num_features) + 1)
        values = array("d", bytes(8 * capacity * self._num_features))
        rows = ctypes.c_int64(0)
        status = self._parse(body, len(body), self._num_features, values.buffer_info()[0],
                             capacity, ctypes.byref(rows))
        if status != 0:
            return None
        del values[rows.value * self._num_features:]
        return values, rows.value

    def parse_tensor(self, body: bytes, max_values: int) -> tuple[array, int, int] | None:
        """A v2 request's flat tensor `data` into doubles, and the array's span in the body."""
        capacity = min(max_values, len(body) // 2 + 1)  # every value takes 2 bytes or more
        values = array("d", bytes(8 * capacity))
        count, start, end = ctypes.c_int64(0), ctypes.c_int64(0), ctypes.c_int64(0)
        status = self._parse_tensor(body, len(body), values.buffer_info()[0], capacity,
                                    ctypes.byref(count), ctypes.byref(start), ctypes.byref(end))
        if status != 0:
            return None
        del values[count.value:]
        return values, start.value, end.value

    def encode_binary_column(self, outputs: array, threshold: float, column: int,
                             negative_json: bytes, positive_json: bytes) -> str:
        """A binary classifier's v2 output tensor data, written in C (tensor_io.c)."""
        n = len(outputs)
        capacity = self._column_capacity(n, column, negative_json, positive_json)
        buffer = ctypes.create_string_buffer(capacity)
        written = self._encode_column(outputs.buffer_info()[0], n, threshold, column,
                                      negative_json, positive_json, buffer, capacity)
        if written < 0:
            raise InternalError("encode_binary_column refused: " + _ENCODE_REFUSALS.get(
                written, f"status {written}"))
        return ctypes.string_at(buffer, written).decode("utf-8")

    def encode_binary_predictions(self, probabilities: array, threshold: float,
                                  negative_json: bytes, positive_json: bytes) -> str:
        """The predictions array as JSON; the C side sizes the buffer and checks every write."""
        n = len(probabilities)
        capacity = self._encode_capacity(n, negative_json, positive_json)
        buffer = ctypes.create_string_buffer(capacity)
        written = self._encode(probabilities.buffer_info()[0], n, threshold, negative_json,
                               positive_json, buffer, capacity)
        if written < 0:
            raise InternalError("encode_predictions refused: "
                                + _ENCODE_REFUSALS.get(written, f"status {written}"))
        return ctypes.string_at(buffer, written).decode("ascii")

    def versions(self) -> dict[str, str]:
        return {"engine": "tl2cgen-c", "layout": self._layout, "threads": str(self._threads)}
