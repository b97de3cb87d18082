"""The importer's readers of user files: any bytes give a format or a clear refusal, no crash."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb
from hypothesis import given, settings
from hypothesis import strategies as st

from model_build.import_errors import ImportRefused
from model_build.model_document import decode_model, scan_json
from model_build.model_file import ModelFileError, sniff_format
from model_build.parity_file import SampleError, read_sample

NAMES = ["a", "b", "c"]


@given(st.binary(max_size=64))
def test_sniffing_any_bytes_names_a_format_or_refuses(head: bytes) -> None:
    try:
        assert sniff_format(head) in ("json", "ubjson")
    except ModelFileError as error:
        assert "save it from XGBoost" in str(error)


@pytest.mark.parametrize("head,expected", [
    (b'{"learner": {}}', "json"),
    (b'  \n{ "learner"', "json"),
    (b"{L\x00\x00\x00\x00\x00\x00\x00\x07learner", "ubjson"),
    (b"{i\x07learner", "ubjson"),
])
def test_xgboost_json_and_ubjson_are_recognised(head: bytes, expected: str) -> None:
    assert sniff_format(head) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abc0123456789.,-e\nnaul \t", max_size=80))
def test_any_sample_text_gives_rows_or_a_clear_refusal(tmp_path_factory: pytest.TempPathFactory,
                                                       text: str) -> None:
    path = tmp_path_factory.mktemp("sample") / "rows.csv"
    path.write_text(text, encoding="utf-8")
    try:
        rows = read_sample(path, NAMES)
    except SampleError as error:
        assert str(path) in str(error)
    else:
        assert rows.shape[1] == 3 and len(rows) >= 1


def test_a_header_reorders_columns_and_empty_cells_are_missing(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("c,a,b\n3,1,\nnull,4,5\n", encoding="utf-8")
    rows = read_sample(path, NAMES).tolist()
    assert rows[0][0] == 1.0 and math.isnan(rows[0][1]) and rows[0][2] == 3.0
    assert rows[1][:2] == [4.0, 5.0] and math.isnan(rows[1][2])


def test_a_sample_that_is_not_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(SampleError, match="UTF-8"):
        read_sample(path, NAMES)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200),
                 st.builds(lambda body: b"{" + body, st.binary(max_size=200)),
                 st.builds(lambda body: b'{"learner":' + body, st.binary(max_size=200))))
def test_any_bytes_decode_to_a_document_or_one_refusal(raw: bytes) -> None:
    try:
        file_format, document = decode_model(raw)
    except (ImportRefused, ModelFileError) as error:
        assert "\n" not in str(error)
    else:
        assert file_format in ("json", "ubjson") and isinstance(document, dict)


@pytest.mark.parametrize("raw,expected", [
    (b'{"a": "x\\"[[[["}', {"a": 'x"[[[['}),
    (b'{"a": "x\\\\", "b": [1]}', {"a": "x\\", "b": [1]}),
])
def test_brackets_and_escaped_quotes_inside_strings_do_not_count_as_nesting(
        raw: bytes, expected: dict[str, object]) -> None:
    scan_json(raw, max_nesting=2)
    assert decode_model(raw)[1] == expected


def test_xgboosts_own_ubjson_decodes_to_the_same_document_as_its_json() -> None:
    booster = xgb.train({"objective": "multi:softprob", "num_class": 3, "nthread": 1},
                        xgb.DMatrix(np.arange(60.0).reshape(20, 3), label=np.arange(20) % 3), 2)
    from_ubjson = decode_model(bytes(booster.save_raw("ubj")))[1]
    from_json = decode_model(bytes(booster.save_raw("json")))[1]
    assert float32_values(from_ubjson) == float32_values(from_json)


def float32_values(value: object) -> object:
    """The document with typed arrays as lists and every float as the float32 XGBoost holds."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, dict):
        return {key: float32_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [float32_values(item) for item in value]
    if isinstance(value, float):
        return float(np.float32(value))
    return value
