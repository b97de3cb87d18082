"""The C fast paths for large batches give exactly what the Python path gives."""

from __future__ import annotations

import json
from array import array
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envelopes import http_body
from helpers import engine_env, import_handler_module, read_parity
from inference.errors import RequestError
from inference.json_codec import PYTHON_ONLY
from inference.requests import FAST_PATH_MIN_BYTES, parse_body


@pytest.fixture(scope="module")
def app_module():
    return import_handler_module(engine_env("compiled"), "app_fast_json")


def parse_both(module, body: str):
    """(fast, slow): each a (values, n) pair (None for a missing value) or an error code."""
    event = {"requestContext": {"http": {"method": "POST"}}, "body": body}
    results: list[Any] = []
    for codec in (module.CODEC, PYTHON_ONLY):
        try:
            raw = http_body(event, module.LIMITS.max_request_bytes)
            assert raw is not None
            request = parse_body(raw, module.SCHEMA, module.LIMITS, codec)
            results.append(([None if v != v else v for v in request.values], request.n_rows))
        except RequestError as error:
            results.append(error.code)
    return results


number = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=64),
                   st.integers(-10**20, 10**20),
                   st.sampled_from(["0", "-0", "1e400", "1E5", "00", "1.", "-.5", "0.1e-2", "null",
                                    "nul", "nulls", "None"]))


def render_row(values) -> str:
    return "[" + ", ".join(v if isinstance(v, str) else json.dumps(v) for v in values) + "]"


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(number, min_size=29, max_size=31), min_size=1, max_size=4),
       padding=st.integers(0, 200), spaces=st.sampled_from(["", " ", "\n", "\t "]))
def test_fast_and_python_parsers_agree_on_any_batch_body(app_module, rows, padding,
                                                         spaces) -> None:
    body = ('{' + spaces + '"instances"' + spaces + ':' + spaces + '[' +
            ("," + spaces).join(render_row(r) for r in rows) + ']' + spaces + '}')
    body += " " * max(0, FAST_PATH_MIN_BYTES - len(body) + padding)  # reach the fast path
    fast, slow = parse_both(app_module, body)
    assert fast == slow


def test_the_fast_reader_takes_null_as_a_missing_value(app_module) -> None:
    row = ["null" if i % 7 == 0 else "1.5" for i in range(30)]
    body = '{"instances": [' + ",".join([render_row(row)] * 3) + "]}"
    body += " " * FAST_PATH_MIN_BYTES
    assert app_module.CODEC.parse_instances(body.encode(), 30, 10) is not None  # C reads it
    fast, slow = parse_both(app_module, body)
    assert fast == slow and fast[0][:8] == [None, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, None]


@pytest.mark.parametrize("body", [
    '{"instances": [[1,2]], "extra": 1}', '{"instances": []}', '{"instances": [[1]]}',
    '{"instances": [{"mean radius": 1}]}', '{"features": [1]}', '[1, 2, 3]',
    '{"instances": [[' + ",".join(["1"] * 30) + ']]} x',
    '{"instances": [[' + ",".join(["NaN"] * 30) + ']]}',
])
def test_bodies_the_fast_path_does_not_take_get_the_python_answer(app_module, body) -> None:
    fast, slow = parse_both(app_module, body + " " * FAST_PATH_MIN_BYTES)
    assert fast == slow and isinstance(slow, str)


def test_row_limit_holds_on_the_fast_path(app_module) -> None:
    module = import_handler_module(engine_env("compiled", MAX_BATCH_ROWS="3"), "app_fast_small")
    rows = [[1.5] * 30] * 4
    fast, slow = parse_both(module, json.dumps({"instances": rows}) + " " * FAST_PATH_MIN_BYTES)
    assert fast == slow == "batch_too_large"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 0.5, 0.4999999999,
                                                            0.5000000005, 5e-10, 1 - 5e-10])),
                min_size=8, max_size=50))
def test_c_and_python_encoders_write_the_same_bytes(app_module, probabilities) -> None:
    values = array("d", probabilities)
    encoder = app_module.ENCODER
    assert encoder.predictions(values) == encoder.python_predictions(values)
    decoded = json.loads(encoder.predictions(values))
    for row in decoded:
        assert sum(row["probabilities"].values()) == pytest.approx(1.0, abs=1e-15)


def test_ten_thousand_rows_through_a_function_url_match_xgboost(app_module,
                                                                xgboost_reference) -> None:
    _, rows, _ = read_parity()
    batch = [rows[i % len(rows)] for i in range(10_000)]
    event = {"requestContext": {"http": {"method": "POST"}},
             "body": json.dumps({"instances": batch})}
    response = app_module.lambda_handler(event, None)
    assert response["statusCode"] == 200
    predictions = json.loads(response["body"])["predictions"]
    expected = xgboost_reference.inplace_predict(np.array(batch), validate_features=False)
    got = np.array([p["probabilities"]["benign"] for p in predictions])
    assert len(got) == 10_000 and np.max(np.abs(got - expected)) <= 1e-6
