"""The compare tool against `sam local start-lambda`: samcli's real HTTP service (no
GetFunction, no GetFunctionConfiguration, Tail refused with 501) in front of the functions."""

from __future__ import annotations

import json

import pytest

from helpers import ARM_FUNCTION, ROOT
from lambda_compare.cli import main
from lambda_compare.errors import EXIT_NOT_FOUND, EXIT_UNSUPPORTED
from local_lambda.launcher import local_runtime
from sam_local_front import sam_local_front


@pytest.fixture(scope="module")
def sam_endpoint():
    with (local_runtime(ROOT / "template.yaml", max_concurrency=2) as running,
          sam_local_front(running.client()) as endpoint):
        yield endpoint


def test_the_front_answers_like_sam_local(sam_endpoint) -> None:
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client("lambda", endpoint_url=sam_endpoint, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x")
    with pytest.raises(ClientError) as refused:
        client.get_function(FunctionName=ARM_FUNCTION)
    assert refused.value.response["Error"]["Code"] == "PathNotFoundLocally"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as tail:
        client.invoke(FunctionName=ARM_FUNCTION, Payload=b"{}",
                      LogType="Tail")
    assert tail.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_compare_skips_what_the_endpoint_lacks_and_gives_no_verdict(sam_endpoint, capsys,
                                                                     tmp_path) -> None:
    out = tmp_path / "sam.json"
    code = main(["--endpoint-url", sam_endpoint, "-n", "10", "--warmup", "1",
                 "--json", str(out), "--chart", str(tmp_path / "sam.png")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert "configuration and code comparison skipped" in captured.out
    assert "client-side" in captured.out and "501" in captured.out
    assert "is faster" not in captured.out
    document = json.loads(out.read_text())
    provenance = document["provenance"]
    assert provenance["configuration_api"] is False and provenance["skipped_checks"]
    assert provenance["functions"]["arm64"]["engine"] == "compiled"  # from the describe answer
    assert provenance["architecture_verdict"] is False
    assert document["timing_source"] == "client"
    assert {c["verdict_kind"] for c in document["comparison"].values()} == {"no_verdict"}
    assert document["recommendation"]["verdict_kind"] == "no_verdict"


@pytest.mark.parametrize("flag", [["--cold-starts", "1"], ["--memory", "256,512"]])
def test_configuration_changes_are_refused_in_one_line(sam_endpoint, capsys, flag) -> None:
    code = main(["--endpoint-url", sam_endpoint, "-n", "2", *flag])
    err = capsys.readouterr().err
    assert code == EXIT_UNSUPPORTED
    assert err.count("\n") == 1 and "UpdateFunctionConfiguration" in err


def test_unknown_function_at_sam_local_is_one_line(sam_endpoint, capsys) -> None:
    code = main(["--endpoint-url", sam_endpoint, "--arm64", "NoSuchFunction", "-n", "2"])
    err = capsys.readouterr().err
    assert code == EXIT_NOT_FOUND, err
    assert err.count("\n") == 1 and "[function_not_found]" in err
