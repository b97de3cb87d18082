"""The local Lambda runtime through real boto3: events, Tail logs, cold/warm, errors, limits."""

from __future__ import annotations

import base64
import json
import math
import platform
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devkit.processes import descendants
from expectations import assert_answers_like_xgboost
from helpers import ARM_FUNCTION, ROOT, X86_FUNCTION, bad_event_paths, good_event_paths, load_event
from local_lambda.launcher import local_runtime

TEMPLATE = ROOT / "template.yaml"
MISBEHAVING = ROOT / "tests" / "fixtures" / "misbehaving" / "template.yaml"
ARM = ARM_FUNCTION
X86 = X86_FUNCTION
REPORT_FIELD = re.compile(r"([A-Za-z ]+): ([^\t]+)")


@pytest.fixture(scope="module")
def runtime():
    with local_runtime(TEMPLATE, max_concurrency=4) as running:
        yield running


@pytest.fixture(scope="module")
def client(runtime):
    return runtime.client()


@pytest.fixture(scope="module")
def misbehaving():
    with local_runtime(MISBEHAVING, max_concurrency=1) as running:
        yield running


def invoke(client: Any, name: str, payload: Any, tail: bool = True) -> tuple[dict, Any, dict]:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload)
    response = client.invoke(FunctionName=name, Payload=raw, LogType="Tail" if tail else "None")
    body = json.loads(response["Payload"].read())
    report = parse_report(response) if tail else {}
    return response, body, report


def parse_report(response: dict[str, Any]) -> dict[str, str]:
    log = base64.b64decode(response["LogResult"]).decode()
    last = log.rstrip("\n").splitlines()[-1]
    assert last.startswith("REPORT RequestId: "), log
    return dict(REPORT_FIELD.findall(last.replace("REPORT ", "", 1)))


def ms(value: str) -> float:
    return float(value.split()[0])


@pytest.mark.parametrize("name", [ARM, X86])
@pytest.mark.parametrize("path", good_event_paths(), ids=lambda p: p.name)
def test_every_good_event_through_boto3(client, xgboost_reference, path: Path,
                                        name: str) -> None:
    event = load_event(path)
    response, body, report = invoke(client, name, event)
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    if "statusCode" in body:
        assert body["statusCode"] == 200
        body = json.loads(body["body"])
    if path.name == "event-describe.json":
        assert body["machine"] == platform.machine()
        return
    metadata = json.loads((ROOT / "app" / "model" / "metadata.json").read_text())
    assert_answers_like_xgboost(event, body, xgboost_reference, metadata["feature_names"])
    assert report["Memory Size"] == "512 MB"


@pytest.mark.parametrize("path", bad_event_paths(), ids=lambda p: p.name)
def test_every_bad_event_is_refused_with_its_code_not_a_function_error(client, path) -> None:
    response, body, _ = invoke(client, X86, path.read_bytes())
    assert "FunctionError" not in response
    if "statusCode" in body:
        assert body["statusCode"] >= 400
        body = json.loads(body["body"])
    assert body["error"]["code"] == path.stem


def test_configuration_change_gives_a_cold_start_then_warm_ones(client) -> None:
    client.update_function_configuration(FunctionName=ARM,
                                         Environment={"Variables": {"MAX_BATCH_ROWS": "10000",
                                                                    "COLD": "1"}})
    event = load_event(ROOT / "events" / "event.json")
    _, body, cold = invoke(client, ARM, event)
    assert body["result"] == "B"
    assert "Init Duration" in cold
    billed = int(cold["Billed Duration"].split()[0])
    assert billed == math.ceil(ms(cold["Init Duration"]) + ms(cold["Duration"]))
    assert 0 < int(cold["Max Memory Used"].split()[0]) < 512
    assert cold["Host Architecture"].startswith(platform.machine())
    for _ in range(3):
        _, _, warm = invoke(client, ARM, event)
        assert "Init Duration" not in warm
        assert int(warm["Billed Duration"].split()[0]) == max(1, math.ceil(ms(warm["Duration"])))


def test_report_fields_are_in_lambdas_order(client) -> None:
    response = client.invoke(FunctionName=X86, Payload=b"{}", LogType="Tail")
    last = base64.b64decode(response["LogResult"]).decode().splitlines()[-1]
    keys = [key.strip() for key, _ in REPORT_FIELD.findall(last.replace("REPORT ", "", 1))]
    assert keys[:5] == ["RequestId", "Duration", "Billed Duration", "Memory Size",
                        "Max Memory Used"]


def test_unknown_function_is_resource_not_found(client) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="NoSuchFunction", Payload=b"{}")


def test_function_arn_and_qualifier_resolve_to_the_function(client) -> None:
    arn = client.get_function_configuration(FunctionName=X86)["FunctionArn"]
    assert client.invoke(FunctionName=f"{arn}:$LATEST", InvocationType="DryRun")[
        "StatusCode"] == 204


def test_payload_over_six_megabytes_is_refused_with_413(client) -> None:
    with pytest.raises(ClientError) as caught:
        client.invoke(FunctionName=X86, Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error["Error"]["Code"] == "RequestEntityTooLargeException"


def test_configuration_reports_the_template(client) -> None:
    arm = client.get_function(FunctionName=ARM)
    x86 = client.get_function(FunctionName=X86)
    assert arm["Configuration"]["Architectures"] == ["arm64"]
    assert x86["Configuration"]["Architectures"] == ["x86_64"]
    assert x86["Configuration"]["MemorySize"] == 512 and x86["Configuration"]["Timeout"] == 10
    assert arm["Code"]["ResolvedImageUri"] == x86["Code"]["ResolvedImageUri"]
    names = {f["FunctionName"] for f in client.list_functions()["Functions"]}
    assert names == {ARM, X86}


def test_handler_exception_is_an_unhandled_function_error(misbehaving) -> None:
    client = misbehaving.client()
    response, body, _ = invoke(client, "MisbehavingFunction", {"raise": "boom"})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "boom"
    assert isinstance(body["stackTrace"], list)


def test_timeout_kills_the_worker_and_the_next_call_cold_starts(misbehaving) -> None:
    client = misbehaving.client()
    _, before, _ = invoke(client, "MisbehavingFunction", {})
    response, body, report = invoke(client, "MisbehavingFunction", {"sleep": 3})
    assert response["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in body["errorMessage"]
    assert report.get("Status") == "timeout"
    _, after, cold = invoke(client, "MisbehavingFunction", {})
    assert "Init Duration" in cold and after["pid"] != before["pid"]


def test_crashed_worker_answers_with_an_error_and_is_replaced(misbehaving) -> None:
    client = misbehaving.client()
    response, body, _ = invoke(client, "MisbehavingFunction", {"crash": True})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    response, body, report = invoke(client, "MisbehavingFunction", {})
    assert "FunctionError" not in response and "Init Duration" in report


def test_concurrency_beyond_the_limit_is_throttled(misbehaving) -> None:
    client = misbehaving.client()
    invoke(client, "MisbehavingFunction", {})
    results: list[Any] = []
    slow = threading.Thread(target=lambda: results.append(
        invoke(client, "MisbehavingFunction", {"sleep": 0.8})[1]))
    slow.start()
    try:
        time.sleep(0.3)
        with pytest.raises(client.exceptions.TooManyRequestsException):
            client.invoke(FunctionName="MisbehavingFunction", Payload=b"{}")
    finally:
        slow.join()
    assert "pid" in results[0], results


def test_worker_holds_only_what_the_image_holds(misbehaving) -> None:
    client = misbehaving.client()
    _, body, _ = invoke(client, "MisbehavingFunction",
                        {"import": ["xgboost", "numpy", "sklearn", "awslambdaric"],
                         "env": ["GREETING", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                 "AWS_LAMBDA_FUNCTION_TIMEOUT", "AWS_REGION", "LAMBDA_TASK_ROOT"]})
    assert body["can_import"] == {"xgboost": False, "numpy": False, "sklearn": False,
                                  "awslambdaric": True}
    env = body["environment"]
    assert env["GREETING"] == "hello" and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "1" and env["AWS_REGION"] == "us-east-1"
    assert sorted(p.name for p in Path(env["LAMBDA_TASK_ROOT"]).iterdir()) == ["handler.py"]


def test_max_memory_used_is_the_real_peak(misbehaving) -> None:
    client = misbehaving.client()
    _, _, small = invoke(client, "MisbehavingFunction", {})
    _, _, big = invoke(client, "MisbehavingFunction", {"allocate_mb": 60})
    grown = int(big["Max Memory Used"].split()[0]) - int(small["Max Memory Used"].split()[0])
    assert 55 <= grown <= 70


def test_stopping_leaves_no_process_and_frees_the_port() -> None:
    with local_runtime(MISBEHAVING) as running:
        invoke(running.client(), "MisbehavingFunction", {})
        server_pid = running.process.pid
        workers = descendants(server_pid)
        assert workers  # the emulator and its runtime
    assert running.process.returncode == 0
    assert [pid for pid in workers if running_process(pid)] == []


def running_process(pid: int) -> bool:
    """Exists and is not a zombie (an exited child waiting to be reaped holds no resources)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_one_shot_local_invoke_prints_the_answer_and_the_report() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "local_lambda", "invoke", ARM, "--event",
         str(ROOT / "events" / "event.json")], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["result"] == "B"
    assert re.search(r"REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
                     r"Memory Size: 512 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms",
                     result.stderr)
