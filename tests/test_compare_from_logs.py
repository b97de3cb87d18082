"""The whole loop here: traffic in (--payloads against the local runtime), logs out (the local
runtime writing CloudWatch Logs to moto's server on 127.0.0.1), analysis (--from-logs)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from devkit.ports import free_port
from helpers import ARM_FUNCTION, ROOT, X86_FUNCTION, read_parity
from lambda_compare.cli import main
from lambda_compare.errors import UserError
from lambda_compare.log_reader import parse_window
from local_lambda.launcher import local_runtime

moto_server = pytest.importorskip("moto.server", reason="moto[server] (requirements/dev.txt)")


@pytest.fixture(scope="module")
def cloudwatch() -> Iterator[str]:
    """moto's server mode, on 127.0.0.1 and a free port, for this module only."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(),
                                            verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def logs_client(endpoint: str) -> Any:
    return boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


@pytest.fixture(scope="module")
def logging_runtime(cloudwatch: str) -> Iterator[Any]:
    with local_runtime(ROOT / "template.yaml", max_concurrency=2,
                       logs_endpoint_url=cloudwatch) as running:
        yield running


def mix_file(path: Path) -> Path:
    _, parity_rows, _ = read_parity()
    lines = [json.dumps({"instances": [parity_rows[i % len(parity_rows)] for i in range(n)]})
             for n in (1, 10, 100, 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def reports_in(endpoint: str, group: str, since_ms: int) -> int:
    found, token = 0, None
    client = logs_client(endpoint)
    while True:
        page = client.filter_log_events(logGroupName=group, startTime=since_ms,
                                        **({"nextToken": token} if token else {}))
        found += sum("platform.report" in e["message"] or e["message"].startswith("REPORT")
                     for e in page["events"])
        token = page.get("nextToken")
        if not token:
            return found


def wait_for_reports(endpoint: str, expected: dict[str, int], since_ms: int) -> None:
    """CloudWatch Logs is written asynchronously, as Lambda's is: wait until it is all there."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if all(reports_in(endpoint, group, since_ms) >= n for group, n in expected.items()):
            return
        time.sleep(0.2)
    raise AssertionError(f"the logs never held every REPORT: {expected}")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture(scope="module")
def replayed(logging_runtime: Any, cloudwatch: str, tmp_path_factory: Any) -> dict[str, Any]:
    """One --payloads run with a forced cold start, its JSON, and the window around it."""
    folder = tmp_path_factory.mktemp("replay")
    start = datetime.now(UTC) - timedelta(seconds=1)
    code = main(["--endpoint-url", logging_runtime.endpoint_url, "--payloads",
                 str(mix_file(folder / "mix.jsonl")), "-n", "8", "--warmup", "1",
                 "--cold-starts", "1", "--json", str(folder / "replay.json")])
    assert code == 0
    document = json.loads((folder / "replay.json").read_text())
    client = logging_runtime.client()
    groups = {arch: client.get_function_configuration(FunctionName=name)["LoggingConfig"]
              ["LogGroup"] for arch, name in (("arm64", ARM_FUNCTION), ("x86_64", X86_FUNCTION))}
    expected = {groups[arch]: sum(1 for s in document["samples"] if s["architecture"] == arch)
                for arch in groups}
    wait_for_reports(cloudwatch, expected, int(start.timestamp() * 1000))
    end = datetime.now(UTC) + timedelta(seconds=1)
    return {"document": document, "start": iso(start), "end": iso(end), "groups": groups,
            "folder": folder}


def by_request(samples: list[dict[str, Any]], arch: str) -> dict[str, tuple]:
    return {s["request_id"]: (s["duration_ms"], s["billed_duration_ms"], s["init_duration_ms"],
                              s["memory_size_mb"], s["max_memory_used_mb"], s["rows"])
            for s in samples if s["architecture"] == arch}


def test_the_runtime_writes_each_function_log_in_its_log_format(replayed, cloudwatch):
    client = logs_client(cloudwatch)
    group = replayed["groups"]["arm64"]
    events = client.filter_log_events(logGroupName=group)["events"]
    streams = client.describe_log_streams(logGroupName=group)["logStreams"]
    assert streams and all("/[$LATEST]" in s["logStreamName"] for s in streams)
    records = [json.loads(e["message"]) for e in events if e["message"].startswith("{")]
    kinds = {r.get("type") for r in records}
    assert {"platform.start", "platform.report", "platform.initStart"} <= kinds  # LogFormat JSON
    report = next(r for r in records if r.get("type") == "platform.report")
    assert set(report["record"]["metrics"]) >= {"durationMs", "billedDurationMs",
                                                "memorySizeMB", "maxMemoryUsedMB"}
    assert report["record"]["status"] == "success"
    assert any(r.get("message") == "prediction" for r in records)  # the function's own lines


def test_from_logs_finds_every_invocation_of_the_replay(replayed, logging_runtime, cloudwatch,
                                                        tmp_path, capsys):
    out = tmp_path / "logs.json"
    code = main(["--from-logs", "--endpoint-url", logging_runtime.endpoint_url,
                 "--logs-endpoint-url", cloudwatch, "--start", replayed["start"],
                 "--end", replayed["end"], "--json", str(out), "--chart",
                 str(tmp_path / "logs.png")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    document = json.loads(out.read_text())
    replay = replayed["document"]
    for arch in ("arm64", "x86_64"):
        sent = [s for s in replay["samples"] if s["architecture"] == arch]
        read = [s for s in document["samples"] if s["architecture"] == arch]
        # Every invocation of the replay, plus the one describe request the compare tool
        # sends each function before measuring (it reads the model and machine).
        assert len(read) == len(sent) + 1
        sent_ids = {s["request_id"] for s in sent}
        describe = [s for s in read if s["request_id"] not in sent_ids]
        assert len(describe) == 1 and describe[0]["rows"] == 0  # it predicted nothing
        assert sum(s["cold"] for s in read) == sum(s["cold"] for s in sent + describe) >= 2
        # Every figure the Tail log gave, the logs give, request by request; rows per request
        # come from the function's own prediction lines.
        logged, tailed = by_request(read, arch), by_request(sent, arch)
        assert {k: logged[k] for k in tailed} == tailed
        traffic = document["traffic"]["functions"][arch]
        assert traffic["log_group"] == replayed["groups"][arch]
        assert traffic["log_group_from"] == "LoggingConfig"
        assert traffic["requests"] == len(sent) + 1 and not traffic["truncated"]
        assert traffic["projected_monthly_requests"] > 0
    assert "served different requests" in captured.out
    # Rows per invocation over every request read (cold ones too), the same in report and chart.
    assert {round(g["rows"], 6) for g in document["summary"]} == {
        round(document["settings"]["rows_per_invocation"], 6)}
    assert "no architecture verdict: both functions ran on one" in captured.out
    assert document["recommendation"]["verdict_kind"] == "no_verdict"
    assert "from-logs: arm64:" in captured.err and "page 1" in captured.err  # progress
    assert (tmp_path / "logs.png").read_bytes()[:4] == b"\x89PNG"


def test_a_denied_get_function_configuration_is_skipped_with_a_note(replayed, cloudwatch,
                                                                   tmp_path, capsys):
    denied = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    out = tmp_path / "denied.json"
    groups = replayed["groups"]
    with Stubber(denied) as stubber:  # AWS itself is needed to deny; here only the denial
        for _ in range(2):
            stubber.add_client_error("get_function_configuration", "AccessDeniedException",
                                     "not authorized to perform: lambda:GetFunctionConfiguration",
                                     http_status_code=403)
        code = main(["--from-logs", "--arm64", ARM_FUNCTION, "--x86-64", X86_FUNCTION,
                     "--logs-endpoint-url", cloudwatch, "--start", replayed["start"],
                     "--end", replayed["end"], "--json", str(out)], lambda_client=denied)
        stubber.assert_no_pending_responses()
    printed = capsys.readouterr().out
    document = json.loads(out.read_text())
    assert f"GetFunctionConfiguration of {ARM_FUNCTION} skipped (AccessDeniedException)" \
        in printed
    traffic = document["traffic"]["functions"]
    for arch, name in (("arm64", ARM_FUNCTION), ("x86_64", X86_FUNCTION)):
        assert traffic[arch]["log_group_from"] == "default"
        assert traffic[arch]["log_group"] == f"/aws/lambda/{name}"
    # The template's LoggingConfig names its own log group resource, which has no name
    # without a stack: the local runtime writes to Lambda's default, found without the read.
    assert groups["arm64"] == f"/aws/lambda/{ARM_FUNCTION}"
    assert code == 0
    replay = replayed["document"]
    assert traffic["arm64"]["requests"] == 1 + sum(
        1 for s in replay["samples"] if s["architecture"] == "arm64")


def test_a_missing_log_group_is_one_line_and_exit_5(cloudwatch, capsys):
    code = main(["--from-logs", "--arm64", "nope-arm", "--x86-64", "nope-x86",
                 "--logs-endpoint-url", cloudwatch, "--endpoint-url", "http://127.0.0.1:9",
                 "--since", "1h"])
    err = capsys.readouterr().err
    assert code == 5
    assert "no log group /aws/lambda/nope-arm" in err and "[log_group_not_found]" in err


def test_text_format_reports_with_snapstart_restores_are_read(cloudwatch, capsys, tmp_path,
                                                              monkeypatch):
    client = logs_client(cloudwatch)
    now = int(time.time() * 1000)
    lines = {
        "/text/arm": [
            "REPORT RequestId: a1\tDuration: 10.50 ms\tBilled Duration: 11 ms\tMemory Size: "
            "1024 MB\tMax Memory Used: 80 MB\tInit Duration: 250.00 ms\t",
            "REPORT RequestId: a2 Duration: 5.00 ms Billed Duration: 5 ms Memory Size: 1024 MB "
            "Max Memory Used: 80 MB",
            "REPORT RequestId: a3\tDuration: 6.00 ms\tBilled Duration: 6 ms\tMemory Size: 1024 "
            "MB\tMax Memory Used: 81 MB\t",
            "REPORT RequestId: a4\tDuration: 6.50 ms\tBilled Duration: 7 ms\tMemory Size: 1024 "
            "MB\tMax Memory Used: 81 MB\t",
        ],
        "/text/x86": [
            "REPORT RequestId: b1\tRestore Duration: 300.00 ms\tDuration: 9.00 ms\tBilled "
            "Duration: 9 ms\tMemory Size: 1024 MB\tMax Memory Used: 90 MB\tBilled Restore "
            "Duration: 120 ms\t",
            "REPORT RequestId: b2\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: "
            "1024 MB\tMax Memory Used: 90 MB\tStatus: timeout",
            "REPORT RequestId: b3\tDuration: 8.00 ms\tBilled Duration: 8 ms\tMemory Size: 1024 "
            "MB\tMax Memory Used: 90 MB\t",
        ],
    }
    for group, messages in lines.items():
        client.create_log_group(logGroupName=group)
        client.create_log_stream(logGroupName=group, logStreamName="s")
        client.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
            {"timestamp": now + i, "message": m} for i, m in enumerate(messages)])
    out = tmp_path / "text.json"
    monkeypatch.setenv("AWS_ENDPOINT_URL_LOGS", cloudwatch)  # as boto3 reads it for any tool
    code = main(["--from-logs", "--arm64", "a", "--x86-64", "b", "--log-group-arm64",
                 "/text/arm", "--log-group-x86-64", "/text/x86",
                 "--endpoint-url", "http://127.0.0.1:9", "--since", "10m",
                 "--max-events", "3", "--json", str(out)])
    captured = capsys.readouterr()
    printed = captured.out
    assert code == 0, captured.err
    document = json.loads(out.read_text())
    samples = {s["request_id"]: s for s in document["samples"]}
    assert set(samples) == {"a1", "a2", "a3", "b1", "b2", "b3"}  # --max-events 3: not a4
    assert samples["a1"]["cold"] and samples["a1"]["init_duration_ms"] == 250.0
    assert samples["b1"]["cold"] and samples["b1"]["billed_restore_duration_ms"] == 120.0
    assert samples["a2"]["memory_size_mb"] == 1024 and not samples["a2"]["cold"]
    assert samples["b2"]["outcome"] == "timeout"
    traffic = document["traffic"]["functions"]
    assert traffic["arm64"]["truncated"] and not traffic["x86_64"]["truncated"]
    assert traffic["x86_64"]["errors"] == 1 and traffic["x86_64"]["cold_starts"] == 1
    assert "stopped at --max-events" in printed


def test_a_window_is_since_or_start_and_end():
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert parse_window("90m", None, None, now).seconds == 5400
    window = parse_window(None, "2026-12-01T08:00:00", "2026-12-01T10:00:00Z", now)
    assert window.seconds == 7200 and window.start.tzinfo is not None
    for since, start, end in (("1x", None, None), (None, "yesterday", None),
                              (None, "2026-12-01T10:00:00Z", "2026-12-01T08:00:00Z"),
                              ("1h", "2026-12-01T08:00:00Z", None)):
        with pytest.raises(UserError) as caught:
            parse_window(since, start, end, now)
        assert caught.value.code == "bad_window"

