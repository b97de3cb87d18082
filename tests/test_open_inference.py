"""The Open Inference Protocol (v2) through lambda_handler, both engines: routes, metadata,
inference equal to our own JSON path (C reader and Python path alike), binary tensor data,
and the protocol's error bodies with our stable codes."""

from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any

import pytest

from helpers import EVENTS_DIR, load_event, read_parity

PROTOCOL_EVENTS = EVENTS_DIR / "protocols"


def http_event(path: str, method: str = "GET", body: str | bytes | None = None,
               headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A Function URL event, as `make start-url` and Lambda build it."""
    event: dict[str, Any] = {
        "version": "2.0", "rawPath": path, "rawQueryString": "",
        "headers": {"content-type": "application/json", **(headers or {})},
        "requestContext": {"http": {"method": method, "path": path}}, "isBase64Encoded": False,
    }
    if isinstance(body, bytes):
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    elif body is not None:
        event["body"] = body
    return event


def call(module: Any, event: dict[str, Any]) -> tuple[int, str, dict[str, str]]:
    response = module.lambda_handler(event, None)
    return response["statusCode"], response["body"], response["headers"]


def infer_body(rows: list[list[float | None]], **extra: Any) -> str:
    data = [value for row in rows for value in row]
    return json.dumps({**extra, "inputs": [{"name": "input-0", "shape": [len(rows), len(rows[0])],
                                            "datatype": "FP64", "data": data}]})


def model_path(module: Any, tail: str = "") -> str:
    return f"/v2/models/{module.PREDICTOR.bundle.model_version}{tail}"


def ours(module: Any, rows: list[list[float | None]]) -> list[dict[str, Any]]:
    answer = json.loads(module.lambda_handler({"instances": rows}, None))
    predictions: list[dict[str, Any]] = answer["predictions"]
    return predictions


def test_health_server_and_model_metadata(handler_module) -> None:
    for path in ("/v2/health/live", "/v2/health/ready", model_path(handler_module, "/ready"),
                 model_path(handler_module, "/versions/1/ready")):
        status, body, _ = call(handler_module, http_event(path))
        assert (status, body) == (200, ""), path
    status, body, _ = call(handler_module, http_event("/v2"))
    assert status == 200 and json.loads(body)["extensions"] == ["binary_tensor_data"]
    status, body, headers = call(handler_module, http_event(model_path(handler_module)))
    metadata = json.loads(body)
    assert status == 200 and headers == {"Content-Type": "application/json"}
    assert metadata["name"] == handler_module.PREDICTOR.bundle.model_version
    assert metadata["inputs"] == [{"name": "input-0", "datatype": "FP64", "shape": [-1, 30]}]
    assert metadata["outputs"] == [
        {"name": "probabilities", "datatype": "FP64", "shape": [-1, 2]},
        {"name": "label", "datatype": "BYTES", "shape": [-1]},
        {"name": "class_index", "datatype": "INT64", "shape": [-1]}]


@pytest.mark.parametrize("rows_count", [3, 300], ids=["python-path", "c-reader"])
def test_infer_answers_what_our_json_answers(handler_module, rows_count: int) -> None:
    _, rows, _ = read_parity()
    rows = (rows * (rows_count // len(rows) + 1))[:rows_count]
    status, body, _ = call(handler_module, http_event(model_path(handler_module, "/infer"),
                                                      "POST", infer_body(rows, id="r-7")))
    assert status == 200, body
    answer = json.loads(body)
    assert (answer["model_name"], answer["model_version"], answer["id"]) == (
        handler_module.PREDICTOR.bundle.model_version, "1", "r-7")
    outputs = {output["name"]: output for output in answer["outputs"]}
    expected = ours(handler_module, rows)
    assert outputs["probabilities"]["shape"] == [rows_count, 2]
    pairs = outputs["probabilities"]["data"]
    assert [[pairs[2 * i], pairs[2 * i + 1]] for i in range(rows_count)] == [
        [p["probabilities"]["malignant"], p["probabilities"]["benign"]] for p in expected]
    assert outputs["label"]["data"] == [p["label"] for p in expected]
    assert outputs["class_index"]["data"] == [p["class_index"] for p in expected]
    assert outputs["label"]["datatype"] == "BYTES" and outputs["label"]["shape"] == [rows_count]


def test_the_c_reader_and_the_python_path_read_the_same_values(handlers) -> None:
    """Same rows, bodies above and below the fast-path size: bit-identical answers, and the
    C reader does serve a large body (its result would differ if a slow path were used)."""
    module = handlers["compiled"]
    _, rows, _ = read_parity()
    body = infer_body(rows[:200])
    fast = module.CODEC.parse_tensor(body.encode(), 10_000 * 30)
    assert fast is not None
    values, start, end = fast
    assert body[start] == "[" and body[end - 1] == "]"
    expected = [math.nan if v is None else v for row in rows[:200] for v in row]
    assert [struct.pack("<d", v) for v in values] == [struct.pack("<d", v) for v in expected]
    nested = json.loads(body)
    nested["inputs"][0]["data"] = rows[:200]  # nested rows: the Python path
    assert module.CODEC.parse_tensor(json.dumps(nested).encode(), 10_000 * 30) is None
    a = json.loads(call(module, http_event(model_path(module, "/infer"), "POST", body))[1])
    b = json.loads(call(module, http_event(model_path(module, "/infer"), "POST",
                                           json.dumps(nested)))[1])
    assert a == b


def test_outputs_selection_and_versions_path(handler_module) -> None:
    _, rows, _ = read_parity()
    body = json.loads(infer_body(rows[:2]))
    body["outputs"] = [{"name": "label"}]
    status, text, _ = call(handler_module, http_event(
        model_path(handler_module, "/versions/1/infer"), "POST", json.dumps(body)))
    answer = json.loads(text)
    assert status == 200 and [o["name"] for o in answer["outputs"]] == ["label"]
    assert "id" not in answer


@pytest.mark.parametrize("datatype,code", [("FP64", "d"), ("FP32", "f")])
def test_binary_tensor_data_as_tritonclient_sends_it(handler_module, datatype: str,
                                                     code: str) -> None:
    _, rows, _ = read_parity()
    rows = rows[:4]
    flat = [math.nan if v is None else v for row in rows for v in row]
    data = struct.pack(f"<{len(flat)}{code}", *flat)
    header = json.dumps({"inputs": [{"name": "x", "shape": [4, 30], "datatype": datatype,
                                     "parameters": {"binary_data_size": len(data)}}]}).encode()
    event = http_event(model_path(handler_module, "/infer"), "POST", header + data,
                       {"content-type": "application/octet-stream",
                        "inference-header-content-length": str(len(header))})
    status, text, _ = call(handler_module, event)
    assert status == 200, text
    labels = next(o for o in json.loads(text)["outputs"] if o["name"] == "label")["data"]
    if datatype == "FP64":
        assert labels == [p["label"] for p in ours(handler_module, rows)]
    else:  # the rows rounded to float32 first, as the client sent them
        as_sent = [[None if v is None else struct.unpack("<f", struct.pack("<f", v))[0]
                    for v in row] for row in rows]
        assert labels == [p["label"] for p in ours(handler_module, as_sent)]


def error(module: Any, event: dict[str, Any]) -> tuple[int, str]:
    status, text, _ = call(module, event)
    document = json.loads(text)
    assert list(document) == ["error"] and isinstance(document["error"], str)
    assert "Traceback" not in text
    return status, document["error"]


def test_errors_are_the_protocols_shape_with_our_codes(handler_module) -> None:
    infer = model_path(handler_module, "/infer")
    _, rows, _ = read_parity()
    good = json.loads(infer_body(rows[:2]))

    def with_input(**changes: Any) -> str:
        return json.dumps({"inputs": [{**good["inputs"][0], **changes}]})

    cases = [
        (http_event("/v2/models/no-such-model"), 404, "model_not_found"),
        (http_event(model_path(handler_module, "/versions/7")), 404, "model_not_found"),
        (http_event("/v2/repository/index"), 404, "not_found"),
        (http_event(infer), 405, "method_not_allowed"),
        (http_event(model_path(handler_module), "POST", "{}"), 405, "method_not_allowed"),
        (http_event(infer, "POST", with_input(datatype="INT64")), 400, "invalid_tensor"),
        (http_event(infer, "POST", with_input(shape=[2, 29])), 400, "invalid_tensor"),
        (http_event(infer, "POST", with_input(shape=[3, 30])), 400, "invalid_tensor"),
        (http_event(infer, "POST", with_input(shape=[0, 30])), 400, "empty_batch"),
        (http_event(infer, "POST", with_input(data=["a"] * 60)), 400, "not_a_number"),
        (http_event(infer, "POST", json.dumps({**good, "outputs": [{"name": "x"}]})), 400,
         "unknown_output"),
        (http_event(infer, "POST", json.dumps({"inputs": good["inputs"] * 2})), 400,
         "invalid_tensor"),
        (http_event(infer, "POST", json.dumps({**good, "extra": 1})), 400, "unknown_field"),
        (http_event(infer, "POST", "{"), 400, "invalid_json"),
        (http_event(infer, "POST"), 400, "invalid_json"),
        (http_event(infer, "POST", with_input(shape=[20_000, 30])), 413, "batch_too_large"),
    ]
    for event, status, code in cases:
        got_status, message = error(handler_module, event)
        assert (got_status, message.split(":")[0]) == (status, code), (event["rawPath"], message)


def test_a_wrong_name_is_a_404_that_names_the_served_model(handler_module) -> None:
    status, message = error(handler_module, http_event("/v2/models/other/infer", "POST", "{}"))
    assert status == 404
    assert handler_module.PREDICTOR.bundle.model_version in message


def test_sample_events_answer(handler_module) -> None:
    """events/protocols/: the documented samples, with the served model's name."""
    version = handler_module.PREDICTOR.bundle.model_version
    for name in ("v2-infer.json", "v2-metadata.json"):
        event = load_event(PROTOCOL_EVENTS / name)
        event["rawPath"] = event["rawPath"].replace("breast-cancer-xgb-a09285a314c1", version)
        status, body, _ = call(handler_module, event)
        assert status == 200, body
    event = load_event(PROTOCOL_EVENTS / "v2-infer.json")
    event["rawPath"] = model_path(handler_module, "/infer")
    answer = json.loads(call(handler_module, event)[1])
    assert answer["id"] == "sample-1" and answer["outputs"][1]["shape"] == [2]


def test_the_c_writer_writes_the_python_writers_bytes(handlers) -> None:
    """A binary classifier's v2 tensors from tensor_io.c, byte for byte as v2_outputs.py
    writes them, probabilities at the rounding edges and the threshold included."""
    from array import array

    from inference.protocols.v2 import OpenInferenceV2

    module = handlers["compiled"]
    outputs = OpenInferenceV2(module.PREDICTOR, module.SCHEMA, module.LIMITS, module.CODEC).outputs
    edges = [0.0, 1.0, 0.5, 0.4999999995, 0.5000000005, 1e-10, 1 - 1e-10, 0.123456789499,
             0.9999999996, 3e-300, 0.49999999999999994]
    probabilities = array("d", edges * 3)
    n = len(probabilities)
    assert outputs.write(probabilities, n, None) == outputs.python_write(probabilities, n)


@pytest.mark.parametrize("path,expected", [
    ("/v2", (False, None, None, None)),
    ("/v2/", (False, None, None, None)),
    ("/v2/health/live", (True, None, None, None)),
    ("/prod/v2/health/ready", (True, None, None, None)),
    ("/v2/models/m", (False, "m", None, None)),
    ("/v2/models/m/ready", (False, "m", None, "ready")),
    ("/v2/models/m/versions/1/infer", (False, "m", "1", "infer")),
    ("/stage/v2/models/m/infer", (False, "m", None, "infer")),
    ("/v2/health/dead", None),
    ("/v2/models", None),
    ("/v2/models/m/versions", None),
    ("/v2/models/m/explain", None),
    ("/a/b/v2", None),
])
def test_v2_paths_are_taken_apart(path: str, expected: tuple[Any, ...] | None) -> None:
    from inference.protocols import is_v2_path
    from inference.protocols.v2 import route_of

    route = route_of(path)
    got = None if route is None else (route.health, route.model, route.version, route.action)
    assert got == expected
    assert is_v2_path(path) == (path != "/a/b/v2")
