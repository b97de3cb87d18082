"""The SAM end-to-end run's own parts that need no Docker: the proxy's rewrite of SAM's
container, its HTTP request reading over a real socket pair, and how answers are compared."""

from __future__ import annotations

import json
import platform
import socket
import subprocess
import urllib.parse
from pathlib import Path

from e2e.answers import compare
from e2e.docker_proxy import RIE_IN_CONTAINER, host_networked, read_request, with_build_arg
from e2e.steps import SHIPPED_EVENTS, events_to_compare, parity_gate_machines
from helpers import APP_DIR, ROOT

SAM_CONTAINER = {
    "Image": "xgboostinferencearm64function:python3.12",
    "Entrypoint": [RIE_IN_CONTAINER, "--log-level", "error", "/lambda-entrypoint.sh"],
    "ExposedPorts": {"8080/tcp": {}},
    "HostConfig": {"PortBindings": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "5123"}]},
                   "Memory": 536870912},
}


def test_sam_container_gets_host_networking_and_its_emulator_on_the_published_loopback_port(
) -> None:
    config = host_networked(json.loads(json.dumps(SAM_CONTAINER)))
    assert config["HostConfig"] == {"NetworkMode": "host", "Memory": 536870912}
    assert "ExposedPorts" not in config
    entrypoint = config["Entrypoint"]
    assert entrypoint[:3] == [RIE_IN_CONTAINER, "--runtime-interface-emulator-address",
                              "127.0.0.1:5123"]
    assert entrypoint[3] == "--runtime-api-address"
    assert entrypoint[4].startswith("127.0.0.1:")
    assert entrypoint[5:] == ["--log-level", "error", "/lambda-entrypoint.sh"]


def test_other_containers_get_host_networking_and_keep_their_entrypoint() -> None:
    config = host_networked({"Entrypoint": ["python3"], "HostConfig": {}})
    assert config == {"Entrypoint": ["python3"], "HostConfig": {"NetworkMode": "host"}}


def test_container_create_body_is_read_whole_and_other_bodies_are_left_to_stream() -> None:
    body = json.dumps(SAM_CONTAINER).encode()
    client, proxy_side = socket.socketpair()
    with client, proxy_side:
        client.sendall(b"POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\n"
                       b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10])
        client.sendall(body[10:] + b"GET /next")
        request, rest = read_request(proxy_side) or (None, b"")
        assert request is not None and request.path == "/containers/create"
        assert request.body == body and rest == b"GET /next"
        client.sendall(b"POST /v1.41/build?platform=linux%2Farm64 HTTP/1.1\r\n"
                       b"Content-Length: 4\r\n\r\ntar!")
        build, rest = read_request(proxy_side) or (None, b"")
        assert build is not None and build.query == {"platform": "linux/arm64"}
        assert build.body is None and rest == b"tar!"
        assert b"Connection: close" in build.head() and b"Content-Length: 4" in build.head()


def test_describe_answer_must_name_the_image_machine_and_may_differ_in_python_and_cpus() -> None:
    local = {"engine": "compiled", "machine": "x86_64", "cpus": 1,
             "library_versions": {"python": "3.12.1", "threads": "1"}}
    image = {"engine": "compiled", "machine": "aarch64", "cpus": 2,
             "library_versions": {"python": "3.11.2", "threads": "2"}}
    raw = json.dumps
    verdict = compare(raw(image).encode(), raw(local).encode(), "aarch64")
    assert verdict.equal and verdict.note == "ran on aarch64, Python 3.11.2, 2 CPUs"
    assert not compare(raw(image).encode(), raw(local).encode(), "x86_64").equal
    other_engine = {**image, "engine": "xgboost"}
    assert not compare(raw(other_engine).encode(), raw(local).encode(), "aarch64").equal


def test_prediction_answers_are_equal_only_bit_for_bit() -> None:
    answer = {"predictions": [{"probability": 0.1234567, "label": "benign"}]}
    nudged = {"predictions": [{"probability": 0.1234568, "label": "benign"}]}
    assert compare(json.dumps(answer).encode(), json.dumps(answer).encode(), "x86_64").equal
    verdict = compare(json.dumps(nudged).encode(), json.dumps(answer).encode(), "x86_64")
    assert not verdict.equal and "predictions[0].probability" in verdict.note


def test_build_request_gets_the_stand_in_base_image_as_a_build_argument() -> None:
    target = ("/v1.41/build?t=fn%3Apython3.12&platform=linux%2Farm64"
              "&buildargs=%7B%22ENGINE%22%3A+%22compiled%22%7D")
    rewritten = urllib.parse.urlsplit(with_build_arg(target, "PYTHON_IMAGE", "stand-in:arm64"))
    query = dict(urllib.parse.parse_qsl(rewritten.query))
    assert json.loads(query["buildargs"]) == {"ENGINE": "compiled",
                                              "PYTHON_IMAGE": "stand-in:arm64"}
    assert query["t"] == "fn:python3.12" and query["platform"] == "linux/arm64"
    assert rewritten.path == "/v1.41/build"


def test_parity_gate_lines_are_read_from_the_checker_s_real_output() -> None:
    """The harness must recognise what app/native/parity_check prints, whatever it adds."""
    printed = subprocess.run(["make", "-s", "-C", str(APP_DIR / "native"), "check"],
                             capture_output=True, text=True, check=True).stdout
    machines = parity_gate_machines("#15 0.617 " + printed)
    assert list(machines) == [platform.machine()], printed
    assert parity_gate_machines(printed.replace(" OK", " FAILED")) == {}


def test_the_smoke_event_of_an_imported_model_goes_through_the_images_too(tmp_path: Path) -> None:
    demo_event = ROOT / "events" / "event.json"
    assert events_to_compare(demo_event) == SHIPPED_EVENTS
    own_rows = tmp_path / "sample-event.json"
    assert events_to_compare(own_rows) == [*SHIPPED_EVENTS, own_rows]
