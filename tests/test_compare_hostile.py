"""The compare tool against an endpoint that misbehaves on purpose (real HTTP on 127.0.0.1, real
boto3): every bad answer is one line, counted against its invocation; nothing hangs, balloons,
prints a traceback or writes JSON that is not JSON."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import ROOT
from hostile_endpoint import (
    GOOD_ANSWER,
    GOOD_DESCRIBE,
    GOOD_REPORT,
    answering,
    dripping,
    hostile_endpoint,
    send,
    streaming,
)
from lambda_compare.cli import main
from lambda_compare.invoker import Invoker
from lambda_compare.limits import ECHO_CHARS, clip
from lambda_compare.strict_json import dumps
from lambda_compare.targets import Target

EXIT_NOT_MEASURED, EXIT_INTERRUPTED = 1, 130


def strict_json(path: Path) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in {path.name}: not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def platform_report(metrics: str, record: str | None = None) -> str:
    """A JSON-format log's platform.report, written by hand (NaN and 1e5000 are not JSON)."""
    body = record or f'{{"requestId": "r1", "metrics": {metrics}}}'
    return f'{{"type": "platform.report", "record": {body}}}'


def text_report(duration: str) -> str:
    return GOOD_REPORT.replace("1.25", duration)


FUNCTION_ERROR = {"X-Amz-Function-Error": "Unhandled"}
MALFORMED = [
    # (case, answer, outcome counted, the one line it gives)
    ("record is not an object", answering(report=platform_report("", record="[1, 2]")),
     "invalid_report", "platform.report record is a list, expected an object"),
    ("metrics is not an object", answering(report=platform_report('"fast"')),
     "invalid_report", "platform.report record.metrics is text, expected an object"),
    ("a text metric", answering(report=platform_report(
        '{"durationMs": "fast", "billedDurationMs": 2}')),
     "invalid_report", "platform.report durationMs is text, expected a number"),
    ("Max Memory Used 1e5000", answering(report=platform_report(
        '{"durationMs": 1.2, "billedDurationMs": 2, "maxMemoryUsedMB": 1e5000}')),
     "invalid_report", "REPORT Max Memory Used: inf is not a finite number"),
    ("a NaN duration", answering(report=platform_report(
        '{"durationMs": NaN, "billedDurationMs": 2}')),
     "invalid_report", "REPORT Duration: nan is not a finite number"),
    ("an infinite duration", answering(report=platform_report(
        '{"durationMs": Infinity, "billedDurationMs": 2}')),
     "invalid_report", "REPORT Duration: inf is not a finite number"),
    ("a 1e23 duration", answering(report=text_report("1" + "0" * 23)),
     "invalid_report", "REPORT Duration: 1e+23 ms is outside 0–900000 ms, Lambda's limits"),
    ("a negative duration", answering(report=text_report("-5.00")),
     "invalid_report", "REPORT Duration: -5 ms is outside 0–900000 ms, Lambda's limits"),
    ("memory beyond Lambda's", answering(report=GOOD_REPORT.replace("40 MB", "99999 MB")),
     "invalid_report", "REPORT Max Memory Used: 99999 MB is outside 0–10240 MB"),
    ("a list payload with a function error", answering([1, 2], headers=FUNCTION_ERROR),
     "function_error", "Unhandled: [1, 2]"),
    ("a text payload with a function error", answering("boom", headers=FUNCTION_ERROR),
     "function_error", 'Unhandled: "boom"'),
    ("predictions not a list", answering({"predictions": "benign"}),
     "invalid_answer", "the answer's predictions is text, expected a list"),
    ("probabilities as text", answering({"predictions": [{"label": "b",
                                                           "probabilities": "0.9"}]}),
     "invalid_answer", "predictions[0].probabilities is text, expected an object of numbers"),
    ("probabilities as a list", answering({"predictions": [{"label": "b",
                                                             "probabilities": [0.1, 0.9]}]}),
     "invalid_answer", "predictions[0].probabilities is a list, expected an object of numbers"),
    ("a probability as text", answering({"predictions": [{"probabilities": {"b": "0.9"}}]}),
     "invalid_answer", "predictions[0].probabilities['b'] is text, expected a number"),
    ("a prediction that is not an object", answering({"predictions": [0.9]}),
     "invalid_answer", "predictions[0] is a number, expected an object"),
    ("an answer that is a list", answering([GOOD_ANSWER]),
     "invalid_answer", "the answer is a list, expected a JSON object"),
    ("an answer that is not JSON", answering(b"<html>busy</html>"),
     "invalid_answer", "the answer is not JSON: b'<html>busy</html>'"),
    ("a proxy answer whose body is not text", answering({"statusCode": 200, "body": [1]}),
     "invalid_answer", "the answer's body is a list, expected a JSON string"),
    ("Content-Length 10^12", lambda handler: send(handler, GOOD_ANSWER, length=10**12),
     "invalid_answer", "declares 1,000,000,000,000 bytes (Content-Length), over the "
                       "6,291,456 bytes Lambda can answer"),
    ("an error status with Content-Length 10^12",
     lambda handler: send(handler, {"Message": "x"}, 500, length=10**12),
     "invalid_answer", "declares 1,000,000,000,000 bytes (Content-Length)"),
]


@pytest.mark.parametrize("case, answer, outcome, line", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_a_malformed_answer_is_counted_with_one_line(case, answer, outcome, line, tmp_path,
                                                     capsys) -> None:
    with hostile_endpoint(answer) as endpoint:
        code = main(["--endpoint-url", endpoint.url, "-n", "2", "--warmup", "0",
                     "--json", str(tmp_path / "r.json")])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert code == EXIT_NOT_MEASURED
    last = captured.err.splitlines()[-1]
    assert last.startswith("error: could not measure arm64") and last.endswith("[not_measured]")
    assert line in last
    document = strict_json(tmp_path / "r.json")
    assert {s["outcome"] for s in document["samples"]} == {outcome}
    if outcome == "invalid_report":  # not a sample: no duration kept
        assert all(s["duration_ms"] is None for s in document["samples"])
    assert sum(g["counts"][outcome] for g in document["summary"]) == 4


def test_a_valid_report_among_invalid_ones_is_the_only_sample(tmp_path, capsys) -> None:
    # Interleaved: arm64 and x86_64 each get one invalid REPORT, then a valid one.
    reports = iter([text_report("-5.00"), platform_report(
        '{"durationMs": NaN, "billedDurationMs": 2}'), GOOD_REPORT, GOOD_REPORT])

    def answer(handler) -> None:
        answering(report=next(reports))(handler)

    with hostile_endpoint(answer) as endpoint:
        main(["--endpoint-url", endpoint.url, "-n", "2", "--warmup", "0",
              "--json", str(tmp_path / "r.json")])
    document = strict_json(tmp_path / "r.json")
    assert sorted(s["outcome"] for s in document["samples"]) == [
        "invalid_report", "invalid_report", "ok", "ok"]
    assert [g["warm_duration"]["n"] for g in document["summary"]] == [1, 1]
    assert "1 invalid_report; 0 retries; e.g. REPORT Duration" in capsys.readouterr().out


@pytest.mark.parametrize("field, line", [
    ({"machine": ["x86_64"]}, "describe answer's machine is a list, expected text"),
    ({"machine": {"arch": "arm64"}}, "describe answer's machine is an object, expected text"),
    ({"cpus": 0}, "describe answer's cpus is 0, expected a whole number from 1 to 1024"),
    ({"cpus": 10**4000}, "describe answer's cpus is 1000000000"),  # clipped, one line
    ({"cpus": True}, "describe answer's cpus is a boolean, expected a whole number"),
])
def test_a_malformed_describe_answer_is_a_warning_not_a_crash(field, line, capsys) -> None:
    def describe(handler) -> None:
        send(handler, {**GOOD_DESCRIBE, **field})

    with hostile_endpoint(answering(), describe) as endpoint:
        code = main(["--endpoint-url", endpoint.url, "-n", "2", "--warmup", "0"])
    captured = capsys.readouterr()
    assert code == 0 and "Traceback" not in captured.err
    assert f"WARNING: arm64: describe request refused: the {line}" in captured.out


def test_a_2_mb_model_version_is_echoed_clipped(tmp_path, capsys) -> None:
    huge = "v" * (2 * 1024 * 1024)

    def describe(handler) -> None:
        send(handler, {**GOOD_DESCRIBE, "model_version": huge})

    with hostile_endpoint(answering(), describe) as endpoint:
        code = main(["--endpoint-url", endpoint.url, "-n", "2", "--warmup", "0",
                     "--json", str(tmp_path / "r.json")])
    printed = capsys.readouterr()
    assert code == 0
    assert len(printed.out) + len(printed.err) < 20_000
    assert f"{'v' * ECHO_CHARS}… (2,097,152 chars, sha256 " in printed.out
    assert (tmp_path / "r.json").stat().st_size < 50_000


def test_clip_cuts_long_text_and_says_how_long_it_was() -> None:
    assert clip("short") == "short"
    long_a, long_b = "a" * 5000, "a" * 4999 + "b"
    assert clip(long_a).startswith("a" * ECHO_CHARS + "… (5,000 chars, sha256 ")
    assert clip(long_a) != clip(long_b) and len(clip(long_a)) < ECHO_CHARS + 50


def test_json_output_has_no_nan_or_infinity() -> None:
    document = {"ratio": float("inf"), "rows": [float("nan"), 1.5], "n": 3}
    assert json.loads(dumps(document)) == {"ratio": None, "rows": [None, 1.5], "n": 3}


class BuggyInvoker(Invoker):
    """A bug below invoke(): what it raises must be counted, not end the run."""

    @staticmethod
    def _apply_payload(sample, body, function_error) -> None:
        raise ZeroDivisionError("a bug in reading the answer")


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_exception_is_a_client_error_with_the_traceback_under_debug(
        debug, capsys) -> None:
    with hostile_endpoint(answering()) as endpoint:
        import boto3

        client = boto3.client("lambda", endpoint_url=endpoint.url, region_name="us-east-1",
                              aws_access_key_id="local", aws_secret_access_key="local")
        sample = BuggyInvoker(client, b"{}", 1, debug=debug).invoke(Target("arm64", "f"), 512,
                                                                    "warm")
    assert sample.outcome == "client_error"
    assert sample.error == ("unexpected ZeroDivisionError: a bug in reading the answer (--debug "
                            "prints its traceback)")
    assert ("Traceback" in capsys.readouterr().err) is debug


# The cases that hang or balloon run the tool as a user does, in a process of its own.

def compare_process(endpoint_url: str, *argv: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ACCESS_KEY_ID": "local",
           "AWS_SECRET_ACCESS_KEY": "local"}
    return subprocess.Popen([sys.executable, str(ROOT / "invoke_x86_64_arm64_lambdas.py"),
                             "--endpoint-url", endpoint_url, "--warmup", "0", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT)


@pytest.mark.parametrize("in_headers", [False, True], ids=["body", "headers"])
def test_an_answer_dripping_a_byte_a_second_is_cut_at_the_invoke_timeout(in_headers) -> None:
    with hostile_endpoint(dripping(in_headers=in_headers)) as endpoint:
        started = time.monotonic()
        process = compare_process(endpoint.url, "-n", "2", "--concurrency", "2",
                                  "--invoke-timeout", "2")
        out, err = process.communicate(timeout=60)
        took = time.monotonic() - started
    assert process.returncode == EXIT_NOT_MEASURED, err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        "error: could not measure arm64 (XGBoostInferenceArm64Function): no complete answer "
        "within 2 s (--invoke-timeout, wall clock) [not_measured]")
    assert "2 timeout" in out
    assert took < 2 * 2 + 15  # two rounds of two concurrent 2 s limits, plus start-up


@pytest.mark.parametrize("concurrency", ["1", "2"])
def test_ctrl_c_stops_a_hung_run_within_a_second_with_the_partial_report(concurrency) -> None:
    with hostile_endpoint(dripping()) as endpoint:
        process = compare_process(endpoint.url, "-n", "5", "--concurrency", concurrency,
                                  "--invoke-timeout", "600")
        deadline = time.monotonic() + 30
        while len(endpoint.invocations) < int(concurrency) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert endpoint.invocations, "the tool never invoked"
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        out, err = process.communicate(timeout=30)
        took = time.monotonic() - interrupted
    assert process.returncode == EXIT_INTERRUPTED, err
    assert took < 2.0, f"took {took:.1f} s to stop"  # about a second, on a busy machine
    assert "PARTIAL RESULTS: the run was interrupted" in out
    assert "Traceback" not in err


# VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec.
MEASURE_PEAK = """
import re, sys
from pathlib import Path
from lambda_compare.cli import main
code = main(sys.argv[1:])
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))
print("peak_mb", peak_kb // 1024, file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads VmHWM from /proc")
def test_a_300_mb_answer_is_refused_after_the_cap_without_holding_it() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ACCESS_KEY_ID": "local",
           "AWS_SECRET_ACCESS_KEY": "local"}
    with hostile_endpoint(streaming(300 * 1024 * 1024)) as endpoint:
        result = subprocess.run([sys.executable, "-c", MEASURE_PEAK, "--endpoint-url",
                                 endpoint.url, "-n", "1", "--warmup", "0"],
                                capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert "Traceback" not in result.stderr
    assert result.returncode == EXIT_NOT_MEASURED, result.stderr
    assert "the answer passed 6,291,456 bytes (Lambda's limit)" in result.stderr
    peak = int(result.stderr.split("peak_mb ")[1].split()[0])
    assert peak < 150, f"peak RSS {peak} MB for a 300 MB answer"


def test_a_function_timeout_beyond_the_invoke_timeout_is_noted() -> None:
    from lambda_compare.cli import timeout_notes
    from lambda_compare.provenance import Provenance

    provenance = Provenance({"arm64": {"timeout_s": 900}, "x86_64": {"timeout_s": 10}})
    assert timeout_notes(provenance, 60) == [
        "arm64: its Timeout of 900 s plus INIT can exceed --invoke-timeout 60 s: slower "
        "invocations count as timeouts; raise it to measure them"]
