"""The per-request log line is CloudWatch Embedded Metric Format: valid against the
specification's JSON schema and its rules (every referenced dimension a string member at the
root, every metric a number member), one write per request, errors by code, cold start once."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema

from helpers import APP_DIR, EVENTS_DIR, FakeContext, load_event

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "emf-schema.json").read_text())


def assert_emf(record: dict[str, Any]) -> None:
    jsonschema.validate(record, SCHEMA)
    for directive in record["_aws"]["CloudWatchMetrics"]:
        for dimension_set in directive["Dimensions"]:
            for name in dimension_set:
                assert isinstance(record[name], str) and record[name], name
        for metric in directive["Metrics"]:
            value = record[metric["Name"]]
            assert isinstance(value, int | float) and not isinstance(value, bool)


def lines_of(module: Any, event: Any, capsys: Any) -> list[dict[str, Any]]:
    capsys.readouterr()
    module.lambda_handler(event, FakeContext("req-1"))
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_a_prediction_line_is_emf_with_the_documented_dimensions(handler_module,
                                                                 capsys) -> None:
    [record] = lines_of(handler_module, load_event(EVENTS_DIR / "event-batch.json"), capsys)
    assert_emf(record)
    directive = record["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "XGBoostInference"
    assert directive["Dimensions"] == [["function", "architecture", "model_version", "engine"],
                                       ["function"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "rows": "Count", "latency_ms": "Milliseconds", "errors": "Count", "cold_start": "Count"}
    assert (record["rows"], record["errors"], record["request_id"]) == (5, 0, "req-1")
    assert record["engine"] == handler_module.PREDICTOR.engine.name
    assert record["architecture"] in ("arm64", "x86_64")


def test_a_refused_request_counts_an_error_by_code(handler_module, capsys) -> None:
    [record] = lines_of(handler_module, load_event(EVENTS_DIR / "bad" / "empty_batch.json"),
                        capsys)
    assert_emf(record)
    assert (record["errors"], record["error_code"]) == (1, "empty_batch")
    assert ["function", "error_code"] in record["_aws"]["CloudWatchMetrics"][0]["Dimensions"]


def test_a_describe_meters_cold_start_only(handler_module, capsys) -> None:
    """Health polling and describes must not dilute the error rate or the latency."""
    [record] = lines_of(handler_module, load_event(EVENTS_DIR / "event-describe.json"), capsys)
    assert_emf(record)
    assert (record["message"], record["rows"], record["errors"]) == ("metadata", 0, 0)
    [directive] = record["_aws"]["CloudWatchMetrics"]
    assert [m["Name"] for m in directive["Metrics"]] == ["cold_start"]


def test_cold_start_is_one_on_the_first_request_only() -> None:
    from inference.logs import RequestLog

    stream = io.StringIO()
    log = RequestLog("compiled", "m-1", stream, function="fn%s", architecture="aarch64")
    log.request("a", 1, 0.5)
    log.request(None, 0, 0.1, "invalid_json")
    first, second = map(json.loads, stream.getvalue().splitlines())
    for record in (first, second):
        assert_emf(record)
    assert (first["cold_start"], second["cold_start"]) == (1, 0)
    assert (first["function"], first["architecture"]) == ("fn%s", "arm64")


def test_the_log_imports_nothing_new_at_init() -> None:
    """Importing the log module loads no module the rest of the handler does not load."""
    code = ("import sys; import inference.jsontext, json, os, time; before = set(sys.modules); "
            "import inference.logs; print(sorted(set(sys.modules) - before))")
    result = subprocess.run([sys.executable, "-c", code], cwd=APP_DIR, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "['inference.logs']"


def test_one_write_per_request() -> None:
    from inference.logs import RequestLog

    class Counting(io.StringIO):
        writes = 0

        def write(self, text: str) -> int:
            Counting.writes += 1
            return super().write(text)

    log = RequestLog("compiled", "m", Counting())
    log.request("a", 3, 1.0)
    log.request("b", 0, 1.0, "invalid_json")
    assert Counting.writes == 2
