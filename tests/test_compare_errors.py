"""Every failure a user can cause is one line with what to do and a documented exit code;
a traceback only with --debug."""

from __future__ import annotations

import time

import boto3
import pytest
from botocore.exceptions import NoRegionError
from botocore.stub import Stubber

from devkit.ports import free_port
from helpers import ARM_FUNCTION, ROOT
from lambda_compare.cli import main
from local_lambda import arm64
from local_lambda.__main__ import main as local_lambda_main
from local_lambda.launcher import local_runtime

TARGETS = ["--arm64", "arm-fn", "--x86-64", "x86-fn"]
# The exit codes the README documents.
EXIT_AWS_SETUP, EXIT_UNAVAILABLE, EXIT_NOT_FOUND, EXIT_THROTTLED = 3, 4, 5, 6


@pytest.fixture()
def no_aws_setup(monkeypatch, tmp_path):
    """A machine where `aws configure` was never run."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID",
                 "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "ARM64_FUNCTION",
                 "X86_64_FUNCTION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def one_line(capsys, code: str) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("error: ") and f"[{code}]" in captured.err
    return captured.err


def test_no_region(no_aws_setup, capsys) -> None:
    assert main(TARGETS) == EXIT_AWS_SETUP
    assert "--region" in one_line(capsys, "no_region")


def test_no_credentials_with_a_stack_name(no_aws_setup, capsys) -> None:
    assert main(["--region", "us-east-1", "--stack-name", "s"]) == EXIT_AWS_SETUP
    assert "aws configure" in one_line(capsys, "no_credentials")


def test_unreachable_endpoint_fails_fast(capsys) -> None:
    started = time.monotonic()
    code = main(["--endpoint-url", f"http://127.0.0.1:{free_port()}"])
    assert code == EXIT_UNAVAILABLE
    assert time.monotonic() - started < 5
    assert "make start-lambda" in one_line(capsys, "endpoint_unreachable")


def test_function_not_found_on_the_local_runtime(capsys) -> None:
    with local_runtime(ROOT / "template.yaml", max_concurrency=1) as running:
        code = main(["--endpoint-url", running.endpoint_url, "--arm64", "NoSuchFunction"])
    assert code == EXIT_NOT_FOUND
    assert "NoSuchFunction" in one_line(capsys, "function_not_found")


def stubbed(operation: str, error_code: str, status: int):
    lam = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="a",
                       aws_secret_access_key="b")
    stub = Stubber(lam)
    stub.add_client_error(operation, service_error_code=error_code, http_status_code=status,
                          service_message=f"{error_code} for the test")
    stub.activate()
    return lam


@pytest.mark.parametrize("error_code, status, exit_status, code", [
    ("AccessDeniedException", 403, EXIT_NOT_FOUND, "access_denied"),
    ("TooManyRequestsException", 429, EXIT_THROTTLED, "throttled"),
    ("ResourceNotFoundException", 404, EXIT_NOT_FOUND, "function_not_found"),
])
def test_aws_refusals(capsys, error_code, status, exit_status, code) -> None:
    lam = stubbed("get_function", error_code, status)
    assert main(TARGETS, lambda_client=lam, cloudformation=None) == exit_status
    one_line(capsys, code)


def test_throttled_on_every_invocation_beyond_retries(capsys) -> None:
    lam = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="a",
                       aws_secret_access_key="b")
    with Stubber(lam) as stub:
        for name in ("arm-fn", "x86-fn"):
            stub.add_client_error("get_function", "PathNotFoundLocally", http_status_code=404)
            stub.add_client_error("invoke", "TooManyRequestsException", http_status_code=429)
            if name == "arm-fn":
                break
        stub.add_client_error("invoke", "TooManyRequestsException", http_status_code=429)
        for _ in range(2):
            stub.add_client_error("invoke", "TooManyRequestsException", http_status_code=429)
        code = main([*TARGETS, "-n", "1", "--warmup", "0"], lambda_client=lam,
                    cloudformation=None)
    captured = capsys.readouterr()
    assert code == EXIT_THROTTLED
    assert captured.err.splitlines()[-1].endswith("[throttled]")


def test_debug_shows_the_traceback(no_aws_setup) -> None:
    with pytest.raises(NoRegionError):
        main([*TARGETS, "--debug"])


@pytest.mark.machine  # whatever else of arm64.TOOLS this machine lacks is named too
def test_emulation_unavailable_names_each_missing_tool_and_its_package(monkeypatch,
                                                                        capsys) -> None:
    monkeypatch.setitem(arm64.TOOLS, "no-such-cross-tool", "no-such-package")
    code = local_lambda_main(["--emulate-arm64", "invoke", ARM_FUNCTION])
    assert code == EXIT_UNAVAILABLE
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("error: --emulate-arm64 needs ")
    assert "no-such-cross-tool (Debian: no-such-package)" in err
    assert err.endswith("[emulation_unavailable]")


def test_demo_says_in_one_line_when_the_local_runtime_cannot_start(monkeypatch, capsys,
                                                                   tmp_path) -> None:
    from tools import demo

    broken = tmp_path / "template.yaml"
    broken.write_text("Resources: [not, a, template\n")  # the runtime cannot start
    real = demo.local_runtime
    monkeypatch.setattr(demo, "local_runtime", lambda _template, port: real(broken, port=port))
    monkeypatch.setattr(demo, "RESULTS", tmp_path / "results")
    assert demo.main([]) == EXIT_UNAVAILABLE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "[local_runtime_unavailable]" in err
