"""The C response writer (encode_predictions): never past its capacity, NaN refused.

The capacity comes from one place, encode_predictions_capacity() beside the writer, from
the real row size; the writer checks every row against the capacity it is given anyway.
"""

from __future__ import annotations

import ctypes
import json
import math
from array import array

import pytest

from helpers import HOST_LIBRARY
from inference import errors
from inference.json_codec import NativeJsonCodec
from inference.settings import CODEC_LIBRARY

CODEC_PATH = HOST_LIBRARY.with_name(CODEC_LIBRARY)

CANARY = 0xA5
NAMES = [("", ""), ("M", "B"), ("", "benign"), ("malignant", "B"), ("\u00e9", "\"")]
PROBABILITIES = [0.9, 0.1, 0.5, 0.0, 1.0, 0.4999999995, 1e-300, 0.123456789]


@pytest.fixture(scope="module")
def library() -> ctypes.CDLL:
    library = ctypes.CDLL(str(CODEC_PATH))
    library.encode_predictions.restype = ctypes.c_int64
    library.encode_predictions.argtypes = [
        ctypes.c_void_p, ctypes.c_int64, ctypes.c_double, ctypes.c_char_p, ctypes.c_char_p,
        ctypes.c_void_p, ctypes.c_int64,
    ]
    return library


@pytest.fixture(scope="module")
def codec() -> NativeJsonCodec:
    return NativeJsonCodec(str(CODEC_PATH))


def names_json(negative: str, positive: str) -> tuple[bytes, bytes]:
    return json.dumps(negative).encode(), json.dumps(positive).encode()


def expected(probabilities: list[float], negative: str, positive: str) -> list[dict]:
    rows = []
    for p in probabilities:
        units = min(max(math.floor(p * 1e9 + 0.5), 0), 10**9)
        label = positive if p >= 0.5 else negative
        rows.append({"label": label, "class_index": int(p >= 0.5),
                     "probabilities": {negative: (10**9 - units) / 1e9, positive: units / 1e9}})
    return rows


def test_short_class_names_from_the_fuzz_finding_encode_exactly(codec) -> None:
    # "M"/"B", 8 rows at p = 0.9: the old capacity was 610 bytes for a 641-byte answer.
    text = codec.encode_binary_predictions(array("d", [0.9] * 8), 0.5, b'"M"', b'"B"')
    assert len(text) == 641
    assert json.loads(text) == expected([0.9] * 8, "M", "B")


@pytest.mark.parametrize("negative, positive", NAMES)
@pytest.mark.parametrize("n", [0, 1, 2, 8])
def test_writer_never_writes_past_the_capacity_it_is_given(library, negative, positive,
                                                          n) -> None:
    probabilities = array("d", (PROBABILITIES * 2)[:n])
    negative_json, positive_json = names_json(negative, positive)
    full = ctypes.create_string_buffer(100_000)
    size = library.encode_predictions(probabilities.buffer_info()[0], n, 0.5, negative_json,
                                      positive_json, full, len(full))
    assert json.loads(full.raw[:size]) == expected(list(probabilities), negative, positive)
    for capacity in range(size + 3):
        buffer = (ctypes.c_ubyte * (capacity + 64))(*[CANARY] * (capacity + 64))
        written = library.encode_predictions(probabilities.buffer_info()[0], n, 0.5,
                                             negative_json, positive_json, buffer, capacity)
        assert written == (size if capacity >= size else -1)
        assert list(buffer[capacity:]) == [CANARY] * 64, f"wrote past capacity {capacity}"


@pytest.mark.parametrize("negative, positive", NAMES)
def test_the_capacity_is_enough_for_any_labels(codec, negative, positive) -> None:
    negative_json, positive_json = names_json(negative, positive)
    for probabilities in ([0.0] * 9, [1.0] * 9, PROBABILITIES):
        values = array("d", probabilities)
        capacity = codec._encode_capacity(len(values), negative_json, positive_json)
        text = codec.encode_binary_predictions(values, 0.5, negative_json, positive_json)
        # Exact but for the longer label on every row and one comma.
        slack = len(values) * abs(len(negative_json) - len(positive_json)) + 1
        assert len(text) <= capacity <= len(text) + slack


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_probability_that_is_not_finite_is_refused_not_written(library, codec,
                                                                 bad) -> None:
    values = array("d", [0.5, bad, 0.5])
    buffer = ctypes.create_string_buffer(4096)
    assert library.encode_predictions(values.buffer_info()[0], 3, 0.5, b'"a"', b'"b"', buffer,
                                      len(buffer)) == -2
    with pytest.raises(errors.InternalError, match="not finite"):
        codec.encode_binary_predictions(values, 0.5, b'"a"', b'"b"')
