"""Calls that need AWS itself, checked with botocore's Stubber: stack outputs, configuration
changes and their restore (also on failure and Ctrl-C), and the fallback when Tail is refused."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from lambda_compare.configuration_guard import NONCE_VARIABLE, ConfigurationGuard
from lambda_compare.invoker import Invoker
from lambda_compare.runner import Plan, measure
from lambda_compare.targets import Target, TargetError, resolve_targets

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:XGBoostInferenceArm64Function-abc"
ORIGINAL = {"MemorySize": 512, "Environment": {"Variables": {"MAX_BATCH_ROWS": "10000"}},
            "LastUpdateStatus": "Successful"}


def session() -> boto3.Session:
    return boto3.Session(region_name="us-east-1", aws_access_key_id="a",
                         aws_secret_access_key="b")


def test_targets_come_from_the_stack_outputs() -> None:
    cloudformation = session().client("cloudformation")
    with Stubber(cloudformation) as stub:
        stub.add_response("describe_stacks", {"Stacks": [{
            "StackName": "s", "CreationTime": "2026-11-24T00:00:00Z",
            "StackStatus": "CREATE_COMPLETE",
            "Outputs": [{"OutputKey": "Arm64FunctionArn", "OutputValue": "arn:arm"},
                        {"OutputKey": "X86FunctionArn", "OutputValue": "arn:x86"}]}]},
            {"StackName": "s"})
        targets = resolve_targets(None, None, "s", None, cloudformation, environ={})
    assert [(t.architecture, t.function) for t in targets] == [("arm64", "arn:arm"),
                                                               ("x86_64", "arn:x86")]


def test_flags_win_over_environment_and_missing_targets_are_explained() -> None:
    targets = resolve_targets("a", None, None, None, environ={"X86_64_FUNCTION": "b"})
    assert [t.function for t in targets] == ["a", "b"]
    with pytest.raises(TargetError, match="--stack-name"):
        resolve_targets(None, None, None, None, environ={})


def stub_config(stub: Stubber, status: str = "Successful", **overrides) -> None:
    stub.add_response("get_function_configuration", {**ORIGINAL, "LastUpdateStatus": status,
                                                     **overrides}, {"FunctionName": FUNCTION})


def stub_nonce_update(stub: Stubber) -> None:
    stub.add_response("update_function_configuration", {}, {
        "FunctionName": FUNCTION, "Environment": {"Variables": {
            "MAX_BATCH_ROWS": "10000", NONCE_VARIABLE: ANY}}})


def stub_restore(stub: Stubber) -> None:
    """The original configuration written back, the wait for it, and its verification."""
    stub.add_response("update_function_configuration", {}, {
        "FunctionName": FUNCTION, "MemorySize": 512,
        "Environment": {"Variables": {"MAX_BATCH_ROWS": "10000"}}})
    stub_config(stub)
    stub_config(stub)


def test_cold_start_forcing_waits_for_the_update_and_restores_the_original() -> None:
    lam = session().client("lambda")
    with Stubber(lam) as stub:
        stub_config(stub)
        stub_nonce_update(stub)
        stub_config(stub, status="InProgress")
        stub_config(stub)
        stub_restore(stub)
        with ConfigurationGuard(lam, FUNCTION, poll_seconds=0) as guard:
            guard.force_cold_start()
        stub.assert_no_pending_responses()


def test_restore_happens_when_the_measurement_fails() -> None:
    lam = session().client("lambda")
    with Stubber(lam) as stub:
        stub_config(stub)
        stub.add_response("update_function_configuration", {}, {
            "FunctionName": FUNCTION, "MemorySize": 1024})
        stub_config(stub)
        stub_restore(stub)
        with (pytest.raises(RuntimeError, match="measurement broke"),
              ConfigurationGuard(lam, FUNCTION, poll_seconds=0) as guard):
            guard.set_memory(1024)
            raise RuntimeError("measurement broke")
        stub.assert_no_pending_responses()


class InterruptingInvoker(Invoker):
    """Ctrl-C arrives during the first measured invocation."""

    def invoke(self, target, memory_mb, phase, forced_cold=False, request=None):
        raise KeyboardInterrupt


def test_ctrl_c_leaves_no_function_modified_and_reports_partial() -> None:
    lam = session().client("lambda")
    with Stubber(lam) as stub:
        stub_config(stub)
        stub_nonce_update(stub)
        stub_config(stub)
        stub_restore(stub)
        measurement = measure(lam, [Target("arm64", FUNCTION)],
                              InterruptingInvoker(lam, b"{}", 1),
                              Plan(invocations=5, warmup=0, concurrency=1, cold_starts=1,
                                   memories=None),
                              progress_stream=io.StringIO(), guard_options={"poll_seconds": 0})
        stub.assert_no_pending_responses()
    assert measurement.interrupted and measurement.samples == []


def payload(document) -> StreamingBody:
    raw = json.dumps(document).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


def test_refused_tail_falls_back_to_client_timing_and_says_so() -> None:
    lam = session().client("lambda")
    answer = {"predictions": [{"label": "benign", "class_index": 1,
                               "probabilities": {"malignant": 0.1, "benign": 0.9}}]}
    with Stubber(lam) as stub:
        stub.add_client_error("invoke", service_error_code="NotImplemented",
                              service_message="LogType Tail is not supported",
                              http_status_code=501)
        stub.add_response("invoke", {"StatusCode": 200, "Payload": payload(answer)},
                          {"FunctionName": "f", "Payload": b"{}", "LogType": "None"})
        invoker = Invoker(lam, b"{}", 1)
        first = invoker.invoke(Target("arm64", "f"), 512, "warm")
    assert invoker.tail_refused and "501" in invoker.tail_refused
    assert first.ok and first.source == "client" and first.duration_ms == first.client_ms
    assert first.billed_duration_ms is None


def test_function_errors_and_throttles_are_counted_not_dropped() -> None:
    lam = session().client("lambda")
    with Stubber(lam) as stub:
        stub.add_response("invoke", {"StatusCode": 200, "FunctionError": "Unhandled",
                                     "Payload": payload({"errorType": "Sandbox.Timedout",
                                                         "errorMessage": "Task timed out after "
                                                                         "10.00 seconds"})})
        stub.add_response("invoke", {"StatusCode": 200, "FunctionError": "Unhandled",
                                     "Payload": payload({"errorType": "ValueError",
                                                         "errorMessage": "boom"})})
        stub.add_client_error("invoke", service_error_code="TooManyRequestsException",
                              http_status_code=429)
        stub.add_response("invoke", {"StatusCode": 200, "Payload": payload(
            {"error": {"code": "invalid_feature_count", "message": "..."}})})
        invoker = Invoker(lam, b"{}", 1)
        outcomes = [invoker.invoke(Target("x86_64", "f"), 512, "warm").outcome for _ in range(4)]
    assert outcomes == ["timeout", "function_error", "throttled", "rejected"]
