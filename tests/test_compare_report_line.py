"""REPORT parsing on real samples in every shape Lambda and its emulators produce."""

from __future__ import annotations

import base64
import contextlib
import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from lambda_compare.groups import summarize_groups
from lambda_compare.invoker import Invoker
from lambda_compare.pricing import Prices
from lambda_compare.report_line import (
    InvalidReport,
    ReportNotFound,
    parse_log,
    parse_log_result,
    parse_platform_report,
    parse_report_line,
)
from lambda_compare.samples import Sample
from lambda_compare.targets import Target

# Lambda today: tab-separated, Init Duration last, trailing tab.
LAMBDA_COLD = ("REPORT RequestId: 8f5cd3e5-4a8c-4bb2-9a8e-1c3f5b7d9e0f\tDuration: 2.71 ms\t"
               "Billed Duration: 398 ms\tMemory Size: 512 MB\tMax Memory Used: 38 MB\t"
               "Init Duration: 394.88 ms\t")
LAMBDA_WARM = ("REPORT RequestId: 0c2b8f34-7d27-4f0e-a7a3-55b2a1e4c9d1\tDuration: 1.02 ms\t"
               "Billed Duration: 2 ms\tMemory Size: 512 MB\tMax Memory Used: 38 MB\t")
# The runtime interface emulator: Init Duration first, placeholder memory figures.
RIE = ("REPORT RequestId: 4a7e3f69-32ac-4dce-983d-9078e298ff44\tInit Duration: 0.03 ms\t"
       "Duration: 95.85 ms\tBilled Duration: 96 ms\tMemory Size: 3008 MB\t"
       "Max Memory Used: 3008 MB\t")
# Older logs: spaces, and a stray double space.
OLD = ("REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3 Duration: 12.34 ms  "
       "Billed Duration: 100 ms Memory Size: 128 MB Max Memory Used: 18 MB")
SNAPSTART = ("REPORT RequestId: 1d4c\tDuration: 5.10 ms\tBilled Duration: 250 ms\t"
             "Memory Size: 1024 MB\tMax Memory Used: 90 MB\tRestore Duration: 210.33 ms\t"
             "Billed Restore Duration: 244 ms\t")
PLATFORM_REPORT = {
    "time": "2026-11-24T03:00:00.000Z", "type": "platform.report",
    "record": {"requestId": "6d1b", "status": "success",
               "metrics": {"durationMs": 1.53, "billedDurationMs": 213, "memorySizeMB": 512,
                           "maxMemoryUsedMB": 41, "initDurationMs": 210.7}},
}


def test_lambda_cold_report_line() -> None:
    report = parse_report_line(LAMBDA_COLD)
    assert report.request_id == "8f5cd3e5-4a8c-4bb2-9a8e-1c3f5b7d9e0f"
    assert (report.duration_ms, report.billed_duration_ms, report.init_duration_ms) == (
        2.71, 398.0, 394.88)
    assert (report.memory_size_mb, report.max_memory_used_mb) == (512, 38)
    assert report.cold


def test_warm_line_has_no_init_and_is_not_cold() -> None:
    report = parse_report_line(LAMBDA_WARM)
    assert report.init_duration_ms is None and not report.cold


def test_emulator_order_is_read_by_name_not_position() -> None:
    report = parse_report_line(RIE)
    assert report.init_duration_ms == 0.03 and report.duration_ms == 95.85
    assert report.billed_duration_ms == 96.0


def test_old_space_separated_format_with_stray_space() -> None:
    report = parse_report_line(OLD)
    assert (report.duration_ms, report.billed_duration_ms, report.max_memory_used_mb) == (
        12.34, 100.0, 18)


def test_snapstart_restore_counts_as_cold() -> None:
    report = parse_report_line(SNAPSTART)
    assert report.restore_duration_ms == 210.33 and report.billed_restore_duration_ms == 244
    assert report.cold and report.init_duration_ms is None


def test_json_log_format_platform_report() -> None:
    report = parse_platform_report(PLATFORM_REPORT)
    assert (report.duration_ms, report.billed_duration_ms, report.init_duration_ms) == (
        1.53, 213.0, 210.7)
    assert report.request_id == "6d1b"


def test_log_result_in_json_format_finds_the_platform_report() -> None:
    lines = [json.dumps({"type": "platform.start", "record": {"requestId": "6d1b"}}),
             json.dumps({"level": "INFO", "message": "prediction", "rows": 1}),
             json.dumps(PLATFORM_REPORT)]
    encoded = base64.b64encode("\n".join(lines).encode()).decode()
    assert parse_log_result(encoded).billed_duration_ms == 213.0


def test_log_result_in_text_takes_the_last_report() -> None:
    log = "\n".join(["START RequestId: x Version: $LATEST", '{"message": "Duration: 9 ms"}',
                     "END RequestId: x", LAMBDA_WARM])
    assert parse_log(log).duration_ms == 1.02


def test_a_log_without_report_is_refused() -> None:
    with pytest.raises(ReportNotFound):
        parse_log("START RequestId: x\nEND RequestId: x\n")
    with pytest.raises(ReportNotFound):
        parse_log_result("not base64!!")


FIELDS = [("Duration", "ms"), ("Billed Duration", "ms"), ("Memory Size", "MB"),
          ("Max Memory Used", "MB"), ("Init Duration", "ms")]


@given(st.permutations(FIELDS), st.sampled_from(["\t", " ", "  ", " \t"]),
       st.lists(st.floats(min_value=0, max_value=900000, allow_nan=False), min_size=5,
                max_size=5),
       st.lists(st.integers(min_value=128, max_value=10240), min_size=5, max_size=5))
def test_fields_in_any_order_with_any_separator(order, separator, numbers, memories) -> None:
    values = {name: round(number, 2) if unit == "ms" else memory  # within Lambda's limits
              for (name, unit), number, memory in zip(order, numbers, memories, strict=True)}
    line = separator.join(["REPORT RequestId: abc"] + [f"{name}: {values[name]} {unit}"
                                                        for name, unit in order])
    report = parse_report_line(line)
    assert report.duration_ms == pytest.approx(values["Duration"])
    assert report.billed_duration_ms == pytest.approx(values["Billed Duration"])
    assert report.init_duration_ms == pytest.approx(values["Init Duration"])
    assert report.memory_size_mb == values["Memory Size"]
    assert report.max_memory_used_mb == values["Max Memory Used"]


@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes_the_parser(text: str) -> None:
    with contextlib.suppress(ReportNotFound, InvalidReport):
        parse_log(text)
    encoded = base64.b64encode(text.encode("utf-8", "replace")).decode()
    with contextlib.suppress(ReportNotFound, InvalidReport):
        parse_log_result(encoded)


TEXT_RESTORE = ("REPORT RequestId: 1d4c\tDuration: 5.10 ms\tBilled Duration: 6 ms\t"
                "Memory Size: 1024 MB\tMax Memory Used: 90 MB\tRestore Duration: 210.33 ms\t"
                "Billed Restore Duration: 244 ms\t")
JSON_RESTORE = {"type": "platform.report", "record": {
    "requestId": "1d4c", "metrics": {"durationMs": 5.10, "billedDurationMs": 6,
                                     "memorySizeMB": 1024, "maxMemoryUsedMB": 90,
                                     "restoreDurationMs": 210.33,
                                     "billedRestoreDurationMs": 244}}}
TEXT_INIT = ("REPORT RequestId: 6d1b\tDuration: 1.53 ms\tBilled Duration: 213 ms\t"
             "Memory Size: 512 MB\tMax Memory Used: 41 MB\tInit Duration: 210.70 ms\t")
JSON_INIT = {"type": "platform.report", "record": {
    "requestId": "6d1b", "metrics": {"durationMs": 1.53, "billedDurationMs": 213,
                                     "memorySizeMB": 512, "maxMemoryUsedMB": 41,
                                     "initDurationMs": 210.7}}}


@pytest.mark.parametrize("text, record", [(TEXT_RESTORE, JSON_RESTORE), (TEXT_INIT, JSON_INIT)])
def test_text_and_json_reports_give_the_same_figures(text, record) -> None:
    from_text = parse_report_line(text)
    from_json = parse_platform_report(record)
    assert from_text.__dict__ | {"status": None} == from_json.__dict__ | {"status": None}
    assert parse_log(json.dumps(record)) == from_json


def test_a_snapstart_restore_is_cold_billed_with_its_restore_and_never_warm() -> None:
    lam = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="a",
                       aws_secret_access_key="b")
    answer = json.dumps({"predictions": [{"label": "benign", "probabilities": {
        "malignant": 0.1, "benign": 0.9}}]}).encode()
    with Stubber(lam) as stub:
        for log in (TEXT_RESTORE, json.dumps(JSON_RESTORE)):
            stub.add_response("invoke", {"StatusCode": 200,
                                         "LogResult": base64.b64encode(log.encode()).decode(),
                                         "Payload": StreamingBody(io.BytesIO(answer),
                                                                  len(answer))})
        invoker = Invoker(lam, b"{}", 1)
        restored = [invoker.invoke(Target("arm64", "f"), 1024, "warm") for _ in range(2)]
    warm = [Sample(architecture="arm64", function="f", memory_mb=1024, phase="warm",
                   outcome="ok", client_ms=6.0, source="report", duration_ms=5.0,
                   billed_duration_ms=6.0) for _ in range(8)]
    (group,) = summarize_groups(warm + restored, Prices.load("us-east-1"), None, 1e6)
    assert group.warm_duration and group.cold_billed
    assert group.warm_duration.n == 8 and group.cold_samples == 2
    assert group.cold_billed.mean == 6 + 244 and group.observed_cold_rate == pytest.approx(0.2)
    assert all(each.cold and not each.warm for each in restored)
