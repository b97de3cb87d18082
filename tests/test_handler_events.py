"""Every file in events/ through lambda_handler, for both engines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from expectations import assert_answers_like_xgboost
from helpers import (
    BAD_EVENTS_DIR,
    EVENTS_DIR,
    FakeContext,
    bad_event_paths,
    engine_env,
    good_event_paths,
    import_handler_module,
    load_event,
)
from inference.cpus import usable_cpus
from inference.errors import all_error_codes

HTTP_EVENTS = {"event-function-url.json", "event-apigateway-v1.json",
               "event-apigateway-v2-base64.json"}


def answer_of(response: bytes | dict[str, Any], http: bool) -> tuple[int, dict[str, Any]]:
    if not http:
        assert isinstance(response, bytes)  # direct invokes answer the JSON document itself
        document = json.loads(response)
        return 200 if "error" not in document else 400, document
    assert isinstance(response, dict)
    assert response["headers"] == {"Content-Type": "application/json"}
    assert response["isBase64Encoded"] is False
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize("path", [p for p in good_event_paths() if p.name != "event-describe.json"],
                         ids=lambda p: p.name)
def test_good_event_is_answered_like_xgboost(path: Path, handler_module, xgboost_reference,
                                             context: FakeContext) -> None:
    event = load_event(path)
    http = path.name in HTTP_EVENTS
    status, body = answer_of(handler_module.lambda_handler(event, context), http)
    assert status == 200, body
    names = list(handler_module.PREDICTOR.bundle.feature_names)
    assert_answers_like_xgboost(event, body, xgboost_reference, names)
    assert body["engine"] == handler_module.PREDICTOR.engine.name
    assert body["model_version"].startswith("breast-cancer-xgb-")


def direct(module: Any, event: Any, context: Any) -> dict[str, Any]:
    return answer_of(module.lambda_handler(event, context), http=False)[1]


def test_original_flat_event_answers_with_diagnosis_code(handler_module, context) -> None:
    body = direct(handler_module, load_event(EVENTS_DIR / "event.json"), context)
    # The sample's row is dataset row 49, a benign case that the model classifies as such.
    assert body["result"] == "B"
    assert body["predictions"][0]["label"] == "benign"


def test_rich_events_do_not_carry_the_compatibility_field(handler_module, context) -> None:
    body = direct(handler_module, load_event(EVENTS_DIR / "event-batch.json"), context)
    assert "result" not in body


def test_describe_event_reports_what_is_served(handler_module, context) -> None:
    body = direct(handler_module, load_event(EVENTS_DIR / "event-describe.json"), context)
    bundle = handler_module.PREDICTOR.bundle
    assert body["model_sha256"] == bundle.model_sha256
    assert body["model_version"] == bundle.model_version
    assert body["engine"] == handler_module.PREDICTOR.engine.name
    assert body["class_names"] == ["malignant", "benign"]
    assert len(body["feature_names"]) == 30
    assert body["machine"]
    assert body["cpus"] == usable_cpus() >= 1  # what a large batch is split across


@pytest.mark.parametrize("path", bad_event_paths(), ids=lambda p: p.name)
def test_bad_event_is_refused_with_its_documented_code(path: Path, handler_module,
                                                       context) -> None:
    event = load_event(path)
    http = "requestContext" in event
    response = handler_module.lambda_handler(event, context)
    status, body = answer_of(response, http)
    expected_code = path.stem
    assert body["error"]["code"] == expected_code
    assert expected_code in all_error_codes()
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if http:
        assert status == all_error_codes()[expected_code]
    assert "Traceback" not in json.dumps(body)


def test_every_documented_error_code_has_a_bad_event_or_a_test() -> None:
    shipped = {p.stem for p in BAD_EVENTS_DIR.glob("*.json")}
    tested_here = {"payload_too_large", "batch_too_large"}
    tested_in_hostile_input = {"too_many_values", "internal_error"}
    tested_in_open_inference = {"not_found", "model_not_found", "invalid_tensor",
                                "unknown_output"}
    tested_in_categorical = {"unknown_category"}  # the demo model has no categorical feature
    assert set(all_error_codes()) == (shipped | tested_here | tested_in_hostile_input
                                      | tested_in_open_inference | tested_in_categorical)


def test_batch_over_the_row_limit_is_rejected_with_code(context) -> None:
    module = import_handler_module(engine_env("compiled", MAX_BATCH_ROWS="3"), "app_small_batch")
    row = [1.0] * 30
    ok = direct(module, {"instances": [row] * 3}, context)
    assert len(ok["predictions"]) == 3
    refused = direct(module, {"instances": [row] * 4}, context)
    assert refused["error"]["code"] == "batch_too_large"
    assert refused["error"]["details"] == {"rows": 4, "limit": 3}


def test_oversized_http_body_is_refused_before_parsing(context) -> None:
    module = import_handler_module(engine_env("compiled", MAX_REQUEST_BYTES="1000"),
                                   "app_small_body")
    event = load_event(EVENTS_DIR / "event-function-url.json")
    event["body"] = "[" * 5000  # would be a JSON error if it were parsed
    response = module.lambda_handler(event, context)
    assert response["statusCode"] == 413
    assert json.loads(response["body"])["error"]["code"] == "payload_too_large"


def test_get_on_a_function_url_describes_the_model(handler_module, context) -> None:
    event = load_event(EVENTS_DIR / "event-function-url.json")
    event["requestContext"]["http"]["method"] = "GET"
    event["body"] = None
    status, body = answer_of(handler_module.lambda_handler(event, context), http=True)
    assert status == 200 and body["model_version"].startswith("breast-cancer-xgb-")


def test_one_log_line_per_request_with_id_rows_engine_latency(handler_module, capsys) -> None:
    capsys.readouterr()
    handler_module.lambda_handler(load_event(EVENTS_DIR / "event-batch.json"),
                                  FakeContext("req-123"))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1
    record = lines[0]
    assert record["request_id"] == "req-123"
    assert record["rows"] == 5
    assert record["engine"] == handler_module.PREDICTOR.engine.name
    assert record["latency_ms"] >= 0
