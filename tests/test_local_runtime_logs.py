"""The local runtime's CloudWatch Logs records, and a logs endpoint that is down."""

from __future__ import annotations

import json

from devkit.ports import free_port
from helpers import ARM_FUNCTION, ROOT
from lambda_compare.report_line import parse_log, parse_report_line
from local_lambda.launcher import local_runtime
from local_lambda.log_records import invocation_events
from local_lambda.report_line import Report

COLD = Report("req-1", 12.345, 512, 40, init_duration_ms=250.5)
FUNCTION_LINES = ["START RequestId: req-1 Version: $LATEST",
                  '{"level":"INFO","message":"prediction","rows":3}', "END RequestId: req-1"]


def test_text_records_are_lambdas_lines_and_the_tail_report():
    events = invocation_events("Text", COLD, FUNCTION_LINES, 1000, 1020, "Host Architecture: x")
    lines = [message for _, message in events]
    assert lines[0].startswith("INIT_START Runtime Version:")
    assert lines[1] == "START RequestId: req-1 Version: $LATEST"
    assert lines[2] == '{"level":"INFO","message":"prediction","rows":3}'
    assert lines[3] == "END RequestId: req-1" and lines[-1] == COLD.line("Host Architecture: x")
    assert [t for t, _ in events] == [1000, 1000, 1020, 1020, 1020]
    figures = parse_report_line(lines[-1])
    assert (figures.duration_ms, figures.init_duration_ms) == (12.35, 250.5)


def test_json_records_carry_lambdas_field_names_and_read_back_alike():
    events = invocation_events("JSON", COLD, FUNCTION_LINES, 1000, 1020, "Host Architecture: x")
    records = [json.loads(m) for _, m in events]
    assert [r.get("type") for r in records] == ["platform.initStart", "platform.start", None,
                                                "platform.report"]
    report = records[-1]
    assert report["time"] == "1970-01-01T00:00:01.020Z"
    assert report["record"]["metrics"] == {"durationMs": 12.35, "billedDurationMs": 263,
                                           "memorySizeMB": 512, "maxMemoryUsedMB": 40,
                                           "initDurationMs": 250.5}
    # The JSON record and the Tail log's text REPORT give the same figures.
    assert parse_log(json.dumps(report)) == parse_report_line(COLD.line())
    warm = invocation_events("JSON", Report("req-2", 1.0, 512, 40), [], 5, 6, "")
    assert [json.loads(m)["type"] for _, m in warm] == ["platform.start", "platform.report"]


def test_a_logs_endpoint_that_is_down_drops_logs_never_invocations():
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with local_runtime(ROOT / "template.yaml", max_concurrency=1,
                       logs_endpoint_url=closed) as running:
        client = running.client()
        for _ in range(2):
            answer = client.invoke(FunctionName=ARM_FUNCTION,
                                   Payload=(ROOT / "events" / "event.json").read_bytes())
            assert "FunctionError" not in answer
            assert "predictions" in json.loads(answer["Payload"].read())
    # Stopping sends what is queued: the failure is said by then, once.
    complaints = [line for line in running.output if "could not write logs to" in line]
    assert len(complaints) == 1 and closed in complaints[0]
