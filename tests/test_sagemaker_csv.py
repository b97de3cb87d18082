"""SageMaker's XGBoost container conventions through lambda_handler, both engines: text/csv
rows (empty field: missing), answers by Accept, and refusals with our stable codes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers import EVENTS_DIR, load_event, read_parity


def csv_event(body: str, accept: str | None = None, content_type: str = "text/csv",
              ) -> dict[str, Any]:
    headers = {"content-type": content_type, **({"accept": accept} if accept else {})}
    return {"version": "2.0", "rawPath": "/", "headers": headers, "body": body,
            "requestContext": {"http": {"method": "POST", "path": "/"}},
            "isBase64Encoded": False}


def csv_of(rows: list[list[float | None]]) -> str:
    return "\n".join(",".join("" if v is None else repr(v) for v in row) for row in rows) + "\n"


def p_benign(module: Any, rows: list[list[float | None]]) -> list[float]:
    """The model's own output per row, as our direct invoke sees it (9 decimals)."""
    answer = json.loads(module.lambda_handler({"instances": rows}, None))
    return [p["probabilities"]["benign"] for p in answer["predictions"]]


@pytest.mark.parametrize("accept", [None, "*/*", "text/csv", "text/csv; charset=utf-8"])
def test_csv_answers_the_scores_on_one_line_by_default(handler_module,
                                                       accept: str | None) -> None:
    _, rows, _ = read_parity()
    rows = [*rows[:4], [None if i % 7 == 0 else v for i, v in enumerate(rows[4])]]
    response = handler_module.lambda_handler(csv_event(csv_of(rows), accept), None)
    assert response["statusCode"] == 200
    assert response["headers"] == {"Content-Type": "text/csv"}
    scores = [float(s) for s in response["body"].split(",")]
    assert [round(s, 9) for s in scores] == pytest.approx(p_benign(handler_module, rows),
                                                          abs=1e-9)


def test_json_and_jsonlines_answers(handler_module) -> None:
    _, rows, _ = read_parity()
    csv = csv_of(rows[:3])
    plain = handler_module.lambda_handler(csv_event(csv), None)["body"].split(",")
    as_json = handler_module.lambda_handler(csv_event(csv, "application/json"), None)
    assert as_json["headers"] == {"Content-Type": "application/json"}
    assert json.loads(as_json["body"]) == {"predictions": [{"score": float(s)} for s in plain]}
    lines = handler_module.lambda_handler(csv_event(csv, "application/jsonlines"), None)
    assert lines["headers"] == {"Content-Type": "application/jsonlines"}
    assert [json.loads(line) for line in lines["body"].splitlines()] == [
        {"score": float(s)} for s in plain]


def test_the_sample_csv_event(handler_module) -> None:
    response = handler_module.lambda_handler(load_event(EVENTS_DIR / "protocols" / "csv.json"),
                                             None)
    assert response["statusCode"] == 200
    assert len(json.loads(response["body"])["predictions"]) == 2


@pytest.mark.parametrize("body,accept,status,code", [
    ("1,2,3\n", None, 400, "invalid_feature_count"),
    (",".join(["1"] * 29 + ["x"]), None, 400, "not_a_number"),
    (",".join(["1"] * 29 + ["inf"]), None, 400, "non_finite_value"),
    (",".join(["1"] * 29 + ["nan"]), None, 400, "non_finite_value"),
    ("\n\n", None, 400, "empty_batch"),
    (",".join(["1"] * 30), "application/xml", 406, "not_acceptable"),
])
def test_bad_csv_is_refused_with_its_code(handler_module, body: str, accept: str | None,
                                          status: int, code: str) -> None:
    response = handler_module.lambda_handler(csv_event(body, accept), None)
    assert response["statusCode"] == status
    assert json.loads(response["body"])["error"]["code"] == code


def test_more_lines_than_the_row_limit_are_refused_before_parsing(context) -> None:
    from helpers import engine_env, import_handler_module

    module = import_handler_module(engine_env("compiled", MAX_BATCH_ROWS="2"), "app_csv_limit")
    row = ",".join(["1"] * 30)
    response = module.lambda_handler(csv_event("\n".join([row] * 3)), context)
    assert response["statusCode"] == 413
    assert json.loads(response["body"])["error"]["code"] == "batch_too_large"


def test_a_get_with_csv_content_type_still_describes(handler_module) -> None:
    event = csv_event("")
    event["requestContext"]["http"]["method"] = "GET"
    response = handler_module.lambda_handler(event, None)
    assert response["statusCode"] == 200 and "feature_names" in json.loads(response["body"])


def test_multiclass_csv_answers_a_line_of_probabilities_per_row(tmp_path) -> None:
    """As the container answers multi:softprob: each row's class probabilities, one CSV line
    per row, and a list per row in JSON."""
    from helpers import APP_DIR
    from lambda_compare.parity_rows import read_parity_rows
    from local_lambda.inprocess import load_handler_module
    from test_serve_imported import import_model

    _, model_dir, library = import_model(tmp_path, "multi:softprob")
    module = load_handler_module(APP_DIR / "app.py", {
        "INFERENCE_ENGINE": "compiled", "MODEL_DIR": str(model_dir),
        "MODEL_LIBRARY": str(library)}, "app_csv_multiclass")
    rows = read_parity_rows(model_dir / "parity.csv").rows[:4]
    lines = module.lambda_handler(csv_event(csv_of(rows)), None)["body"].split("\n")
    assert len(lines) == 4
    ours = json.loads(module.lambda_handler({"instances": rows}, None))["predictions"]
    for line, answer in zip(lines, ours, strict=True):
        scores = [float(s) for s in line.split(",")]
        assert [round(s, 9) for s in scores] == pytest.approx(
            list(answer["probabilities"].values()), abs=1e-9)
    as_json = json.loads(module.lambda_handler(csv_event(csv_of(rows), "application/json"),
                                               None)["body"])
    assert [p["score"] for p in as_json["predictions"]] == [
        [float(s) for s in line.split(",")] for line in lines]
