"""`start-url` with clients nobody here wrote: Triton's own Python client (tritonclient[http])
runs health, metadata, ready and infer against both functions' local Function URLs, for a
binary, a multiclass and a regression model, and gets what our JSON answers; curl sends
text/csv. Also the event the server builds and the guard it shares with the Invoke API."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers import APP_DIR, ARM_FUNCTION, ROOT, X86_FUNCTION, read_parity
from lambda_compare.parity_rows import read_parity_rows
from local_lambda.launcher import LocalRuntime, local_runtime
from local_lambda.url import function_url_event, http_answer
from test_serve_imported import import_model

httpclient = pytest.importorskip("tritonclient.http", reason="tritonclient[http] is a dev "
                                 "dependency (requirements/dev.txt)")

TEMPLATE = ROOT / "template.yaml"
FUNCTIONS = (ARM_FUNCTION, X86_FUNCTION)


@pytest.fixture(scope="module")
def demo() -> Iterator[LocalRuntime]:
    with local_runtime(TEMPLATE, max_concurrency=2, serve="start-url") as running:
        yield running


def template_serving(tmp: Path, model_dir: Path, library: Path) -> Path:
    """template.yaml with both functions serving another model (MODEL_DIR, MODEL_LIBRARY)."""
    text = TEMPLATE.read_text().replace("DockerContext: ./app", f"DockerContext: {APP_DIR}")
    text = text.replace('        MAX_BATCH_ROWS: "10000"\n',
                        f'        MAX_BATCH_ROWS: "10000"\n        MODEL_DIR: "{model_dir}"\n'
                        f'        MODEL_LIBRARY: "{library}"\n')
    path = tmp / "template.yaml"
    path.write_text(text)
    return path


def client_for(runtime: LocalRuntime, function: str) -> Any:
    return httpclient.InferenceServerClient(url=runtime.urls[function].removeprefix(
        "http://").rstrip("/"), network_timeout=120.0)


def post(url: str, body: bytes, content_type: str, accept: str | None = None) -> bytes:
    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=120) as response:
        data: bytes = response.read()
        return data


def our_json(runtime: LocalRuntime, function: str, rows: list[list[float | None]]
             ) -> list[dict[str, Any]]:
    answer = json.loads(post(runtime.urls[function], json.dumps({"instances": rows}).encode(),
                             "application/json"))
    predictions: list[dict[str, Any]] = answer["predictions"]
    return predictions


def triton_infer(client: Any, name: str, rows: list[list[float | None]], binary: bool,
                 outputs: list[str]) -> Any:
    x = np.array([[math.nan if v is None else v for v in row] for row in rows], np.float64)
    tensor = httpclient.InferInput("input-0", list(x.shape), "FP64")
    tensor.set_data_from_numpy(x, binary_data=binary)
    wanted = [httpclient.InferRequestedOutput(o, binary_data=False) for o in outputs]
    return client.infer(name, [tensor], outputs=wanted, request_id="triton-1")


def check_function(runtime: LocalRuntime, function: str, rows: list[list[float | None]]) -> None:
    client = client_for(runtime, function)
    expected = our_json(runtime, function, rows)
    name = json.loads(urllib.request.urlopen(runtime.urls[function], timeout=120).read())[
        "model_version"]  # GET on the URL: describe
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready(name) and not client.is_model_ready("other-model")
    metadata = client.get_model_metadata(name)
    assert metadata["inputs"] == [{"name": "input-0", "datatype": "FP64",
                                   "shape": [-1, len(rows[0])]}]
    outputs = [o["name"] for o in metadata["outputs"]]
    print(f"{function}: metadata {json.dumps(metadata)}")
    for binary in (True, False):
        result = triton_infer(client, name, rows, binary, outputs)
        assert result.get_response()["id"] == "triton-1"
        print(f"{function}: infer binary_data={binary} -> "
              + ", ".join(f"{o} {result.as_numpy(o).shape} {result.as_numpy(o)[:2].tolist()}"
                          for o in outputs))
        if "probabilities" in outputs:
            probabilities = result.as_numpy("probabilities")
            classes = list(expected[0]["probabilities"])
            assert probabilities.tolist() == [[p["probabilities"][c] for c in classes]
                                              for p in expected]
        if "label" in outputs:
            assert [str(v) for v in result.as_numpy("label")] == [p["label"] for p in expected]
            assert result.as_numpy("class_index").tolist() == [p["class_index"]
                                                               for p in expected]
        if "value" in outputs:
            assert result.as_numpy("value").tolist() == [p["value"] for p in expected]


def test_tritonclient_against_both_demo_functions(demo: LocalRuntime) -> None:
    _, rows, _ = read_parity()
    for function in FUNCTIONS:
        check_function(demo, function, rows[:64])


@pytest.mark.parametrize("objective", ["multi:softprob", "reg:squarederror"])
def test_tritonclient_against_imported_models(tmp_path: Path, objective: str) -> None:
    _, model_dir, library = import_model(tmp_path, objective)
    rows = read_parity_rows(model_dir / "parity.csv").rows[:40]
    with local_runtime(template_serving(tmp_path, model_dir, library), max_concurrency=1,
                       serve="start-url") as runtime:
        for function in FUNCTIONS:
            check_function(runtime, function, rows)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_curl_sends_text_csv_and_reads_sagemaker_answers(demo: LocalRuntime) -> None:
    _, rows, _ = read_parity()
    csv = "\n".join(",".join("" if v is None else repr(v) for v in row) for row in rows[:3])
    url = demo.urls[X86_FUNCTION]
    answers = {}
    for accept in ("text/csv", "application/json", "application/jsonlines"):
        result = subprocess.run(["curl", "-sS", "--fail-with-body", "-H", "Content-Type: text/csv",
                                 "-H", f"Accept: {accept}", "--data-binary", csv, url],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        answers[accept] = result.stdout
        print(f"curl Accept: {accept} -> {result.stdout!r}")
    expected = [p["probabilities"]["benign"] for p in our_json(demo, X86_FUNCTION, rows[:3])]
    scores = [float(s) for s in answers["text/csv"].split(",")]
    assert [round(s, 9) for s in scores] == pytest.approx(expected, abs=1e-9)
    assert [p["score"] for p in json.loads(answers["application/json"])["predictions"]] == scores
    assert [json.loads(line)["score"] for line in
            answers["application/jsonlines"].splitlines()] == scores


def test_the_url_front_refuses_foreign_hosts_like_the_invoke_api(demo: LocalRuntime) -> None:
    port = demo.urls[ARM_FUNCTION].rsplit(":", 1)[1].strip("/")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v2/health/live",
                                     headers={"Host": "attacker.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403


def test_a_request_becomes_the_function_url_event_lambda_sends() -> None:
    event = function_url_event("POST", "/v2/models/m/infer?a=1&a=2&b=", [
        ("Content-Type", "text/csv"), ("X-Twice", "1"), ("x-twice", "2"),
        ("Cookie", "c=1; d=2")], b"1,2\n", "127.0.0.1", 3101)
    assert (event["version"], event["rawPath"], event["rawQueryString"]) == (
        "2.0", "/v2/models/m/infer", "a=1&a=2&b=")
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["headers"] == {"content-type": "text/csv", "x-twice": "1,2"}
    assert event["cookies"] == ["c=1", "d=2"]
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["http"]["path"] == "/v2/models/m/infer"
    assert (event["body"], event["isBase64Encoded"]) == ("1,2\n", False)
    binary = function_url_event("POST", "/", [], b"\x00\xff", "127.0.0.1", 3101)
    assert (binary["body"], binary["isBase64Encoded"]) == ("AP8=", True)


def test_a_function_answer_becomes_http() -> None:
    status, headers, body = http_answer(json.dumps({
        "statusCode": 404, "headers": {"Content-Type": "text/plain"}, "body": "no",
        "isBase64Encoded": False}).encode())
    assert (status, headers["Content-Type"], body) == (404, "text/plain", b"no")
    status, headers, body = http_answer(b'{"predictions": []}')  # not a proxy answer: 200 JSON
    assert (status, headers, body) == (200, {"Content-Type": "application/json"},
                                       b'{"predictions": []}')

