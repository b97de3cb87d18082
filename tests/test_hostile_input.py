"""Hostile requests found by fuzzing: small answers, no escaping exception, one encoding rule.

Each test here is a reproducer of a finding; the fuzz targets in fuzz/ keep looking for more.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import EVENTS_DIR, engine_env, import_handler_module, load_event, read_parity
from inference.errors import all_error_codes
from inference.requests import FAST_PATH_MIN_BYTES

MAX_ERROR_BYTES = 4096
NAMES, ROWS, _ = read_parity()
ROW = ROWS[0]
URL_EVENT = load_event(EVENTS_DIR / "event-function-url.json")


def url_event(body: str, base64_encoded: bool = False) -> dict[str, Any]:
    event = copy.deepcopy(URL_EVENT)
    event["body"], event["isBase64Encoded"] = body, base64_encoded
    return event


def http_answer(module: Any, event: dict[str, Any]) -> tuple[int, str]:
    response = module.lambda_handler(event, None)
    return response["statusCode"], response["body"]


def assert_small_refusal(text: str, code: str) -> None:
    assert len(text) <= MAX_ERROR_BYTES, f"{code} answer is {len(text)} bytes"
    assert json.loads(text)["error"]["code"] == code


@pytest.fixture(scope="module")
def app(request: pytest.FixtureRequest) -> Any:
    return import_handler_module(engine_env("compiled"), "app_hostile")


def test_six_megabytes_of_escaped_backslashes_in_a_key_answer_a_small_error(app) -> None:
    body = '{{"features":{},"{}":1}}'.format(json.dumps(ROW), "\\\\" * 3_145_000)
    assert len(body) > 6_000_000
    status, text = http_answer(app, url_event(body))
    assert status == 400
    assert_small_refusal(text, "unknown_field")
    # The direct invoke of the same payload too.
    answer = app.lambda_handler(json.loads(body), None)
    assert_small_refusal(answer.decode(), "unknown_field")


@pytest.mark.parametrize("payload, code", [
    ({"features": ROW, "k" * 5_000_000: 1}, "unknown_field"),
    ({"k" * 5_000_000: 1, "z" * 1000: 2}, "unknown_event_shape"),
    ({"features": {"x" * 1_000_000: 1.0, **dict(zip(NAMES[1:], ROW[1:], strict=True))}},
     "unknown_feature"),
    ({"instances": [[1.0] * 29 + ["\u2603" * 1_000_000]]}, "not_a_number"),
], ids=["unknown_field", "unknown_event_shape", "unknown_feature", "not_a_number"])
def test_huge_names_and_values_are_echoed_only_as_a_short_prefix(app, payload, code) -> None:
    assert_small_refusal(app.lambda_handler(payload, None).decode(), code)


def test_a_huge_repeated_key_is_echoed_only_as_a_short_prefix(app) -> None:
    key = json.dumps("\u0000\u00e9" * 200_000)
    status, text = http_answer(app, url_event(f"{{{key}:1,{key}:2}}"))
    assert status == 400
    assert_small_refusal(text, "duplicate_key")
    assert json.loads(text)["error"]["details"]["key"].startswith("\u0000\u00e9")


@settings(max_examples=200, deadline=None)
@given(key=st.text(min_size=1, max_size=20_000), code=st.sampled_from(
    ["unknown_field", "unknown_event_shape", "duplicate_key", "method_not_allowed"]))
def test_any_key_gives_an_answer_within_a_few_kilobytes(app, key: str, code: str) -> None:
    if code == "method_not_allowed":
        event = url_event("{}")
        event["requestContext"]["http"]["method"] = key
        if key in ("GET", "POST"):
            return
    else:
        body = {"unknown_field": '{"features":[1],%s:1}',
                "unknown_event_shape": '{%s:1}',
                "duplicate_key": '{%s:1,%s:1}'}[code].replace("%s", json.dumps(key))
        event = url_event(body)
        if code == "unknown_field" and key == "features":
            return
    status, text = http_answer(app, event)
    assert status == all_error_codes()[code]
    assert_small_refusal(text, code)


def test_a_lone_surrogate_in_a_long_body_is_refused_not_raised(app) -> None:
    event = {"requestContext": {"http": {"method": "POST"}},
             "body": "\ud800" + " " * (FAST_PATH_MIN_BYTES + 4)}
    status, text = http_answer(app, event)
    assert status == 400
    assert_small_refusal(text, "invalid_json")


@pytest.mark.parametrize("http", [None, 5, "x", []])
def test_a_proxy_event_without_a_method_is_refused_not_raised(app, http) -> None:
    status, text = http_answer(app, {"requestContext": {"http": http}, "httpMethod": http})
    assert status == 405
    assert_small_refusal(text, "method_not_allowed")


def test_a_broken_invariant_answers_the_one_internal_error_code(app, monkeypatch,
                                                                capsys) -> None:
    # The model never gives NaN; make it, to see what a bug below the handler looks like.
    monkeypatch.setattr(app.PREDICTOR, "predict",
                        lambda values, rows: [float("nan")] * rows)
    status, text = http_answer(app, url_event(json.dumps({"features": ROW})))
    assert (status, json.loads(text)["error"]["code"]) == (500, "internal_error")
    assert all_error_codes()["internal_error"] == 500
    assert "Traceback" not in text and "Traceback" in capsys.readouterr().err


# Bodies are UTF-8; one leading byte order mark is ignored, in text and in base64 bodies.
def _answer_for(app: Any, raw: bytes, as_text: bool) -> tuple[int, dict[str, Any]]:
    event = (url_event(raw.decode("utf-8")) if as_text
             else url_event(base64.b64encode(raw).decode(), base64_encoded=True))
    status, text = http_answer(app, event)
    return status, json.loads(text)


@pytest.mark.parametrize("padding", [0, FAST_PATH_MIN_BYTES], ids=["python", "fast path"])
@pytest.mark.parametrize("as_text", [True, False], ids=["text", "base64"])
def test_a_utf8_byte_order_mark_is_ignored_in_text_and_base64_bodies(app, as_text,
                                                                    padding) -> None:
    body = json.dumps({"instances": [ROW, ROW]}) + " " * padding
    plain = _answer_for(app, body.encode(), as_text)
    assert plain[0] == 200
    assert _answer_for(app, b"\xef\xbb\xbf" + body.encode(), as_text) == plain


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16", "utf-32-be", "utf-32"])
def test_bodies_in_utf16_or_utf32_are_refused_as_not_utf8(app, encoding) -> None:
    raw = json.dumps({"features": ROW}).encode(encoding)
    status, document = _answer_for(app, raw, as_text=False)
    assert (status, document["error"]["code"]) == (400, "invalid_json")
    assert "UTF-8" in document["error"]["message"]


def test_utf8_encoded_surrogates_are_refused_as_not_utf8(app) -> None:
    raw = b'{"features": [' + b",".join([b"1"] * 30) + b'], "\xed\xa0\x80": 1}'
    status, document = _answer_for(app, raw, as_text=False)
    assert (status, document["error"]["code"]) == (400, "invalid_json")


@pytest.mark.parametrize("zero", ["-0", "-0.0", "-0e0", "0"])
def test_minus_zero_answers_the_same_on_the_fast_and_python_paths(app, zero) -> None:
    row = ", ".join([zero] + [repr(v) for v in ROW[1:]])
    body = f'{{"instances": [[{row}]]}}'
    small = http_answer(app, url_event(body))
    large = http_answer(app, url_event(body + " " * FAST_PATH_MIN_BYTES))
    positive = http_answer(app, url_event(body.replace(zero, "0", 1)))
    assert small == large == positive and small[0] == 200


def test_a_body_of_millions_of_empty_objects_is_refused_before_parsing(app) -> None:
    body = "[" + ",".join(['{"":{}}'] * 700_000) + "]"
    status, text = http_answer(app, url_event(body))
    assert status == 413
    assert_small_refusal(text, "too_many_values")
    details = json.loads(text)["error"]["details"]
    assert details == {"containers": 1_400_001, "limit": 10_064}


def test_too_many_values_counts_commas_against_the_full_batch(app) -> None:
    status, text = http_answer(app, url_event("[" + "0," * 400_000 + "0]"))
    assert status == 413
    assert json.loads(text)["error"]["details"] == {"values": 400_001, "limit": 310_064}


def test_a_full_batch_of_named_rows_is_within_the_structural_limits() -> None:
    app = import_handler_module(engine_env("compiled", MAX_BATCH_ROWS="100"), "app_100_rows")
    rows = [dict(zip(NAMES, ROW, strict=True))] * 100
    status, text = http_answer(app, url_event(json.dumps({"instances": rows})))
    assert status == 200 and len(json.loads(text)["predictions"]) == 100
    status, text = http_answer(app, url_event(json.dumps({"instances": rows * 2})))
    assert (status, json.loads(text)["error"]["code"]) == (413, "too_many_values")
