"""The local runtime under hostile HTTP: foreign Host/Origin, lying Content-Length, stalled
and excess connections, malformed bodies and configurations. Real server, raw sockets.

Each test is a reproducer of a probe that once dropped a connection, allocated a declared
gigabyte, held a thread per half-open request or answered a page on another origin.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import ROOT, X86_FUNCTION
from local_lambda.launcher import local_runtime

X86 = X86_FUNCTION
INVOKE = f"/2015-03-31/functions/{X86}/invocations"
CONFIGURATION = f"/2015-03-31/functions/{X86}/configuration"
EVENT = (ROOT / "events" / "event.json").read_bytes()


@pytest.fixture(scope="module")
def runtime():
    with local_runtime(ROOT / "template.yaml", max_concurrency=2) as running:
        yield running


def request(port: int, method: str, path: str, body: bytes = b"", *, host: str | None = None,
            headers: dict[str, str] | None = None, length: str | None = None) -> bytes:
    head = [f"{method} {path} HTTP/1.1", f"Host: {f'127.0.0.1:{port}' if host is None else host}",
            f"Content-Length: {len(body) if length is None else length}", "Connection: close"]
    head += [f"{key}: {value}" for key, value in (headers or {}).items()]
    return exchange(port, ("\r\n".join(head) + "\r\n\r\n").encode() + body)


def exchange(port: int, data: bytes, timeout: float = 30.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        try:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # refused before all was sent: the answer is still there to read
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def parsed(response: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body) if body else None


def assert_lambda_error(response: bytes, status: int, error_type: str) -> dict[str, Any]:
    got, headers, document = parsed(response)
    assert (got, headers.get("x-amzn-ErrorType")) == (status, error_type), response[:500]
    assert document["Type"] == "User" and document["message"]
    return document


def server_status(runtime: Any, field: str) -> int:
    text = Path(f"/proc/{runtime.process.pid}/status").read_text()
    return int(next(line.split()[1] for line in text.splitlines() if line.startswith(field)))


@pytest.mark.parametrize("host, origin", [
    ("attacker.example", None), ("attacker.example:3001", None), ("127.0.0.1.nip.io", None),
    ("127.0.0.1:3001", "http://attacker.example"), ("localhost", "null"), ("", None)])
def test_a_foreign_host_or_origin_is_refused_with_403(runtime, host, origin) -> None:
    headers = {"Origin": origin} if origin else {}
    response = request(runtime.port, "POST", INVOKE, EVENT, host=host, headers=headers)
    assert_lambda_error(response, 403, "AccessDeniedException")


@pytest.mark.parametrize("host, origin", [
    ("127.0.0.1", None), ("localhost:3001", "http://localhost:5173"), ("[::1]:3001", None)])
def test_loopback_hosts_and_origins_are_answered(runtime, host, origin) -> None:
    headers = {"Origin": origin} if origin else {}
    status, _, document = parsed(request(runtime.port, "POST", INVOKE, EVENT, host=host,
                                         headers=headers))
    assert status == 200 and document["result"] == "B"


def test_a_declared_gigabyte_is_refused_without_allocating_it(runtime) -> None:
    before = server_status(runtime, "VmHWM:")
    response = request(runtime.port, "POST", INVOKE, b"{}", length="1073741824")
    assert_lambda_error(response, 413, "RequestEntityTooLargeException")
    assert server_status(runtime, "VmHWM:") - before < 50 * 1024  # kB


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "0x10", " ", "99999999999999999999"])
def test_a_malformed_content_length_is_a_400(runtime, length) -> None:
    response = request(runtime.port, "POST", INVOKE, EVENT, length=length)
    status = 413 if length.startswith("9") else 400
    assert_lambda_error(response, status, "InvalidRequestContentException"
                        if status == 400 else "RequestEntityTooLargeException")


def test_a_body_shorter_than_declared_is_a_400(runtime) -> None:
    response = request(runtime.port, "POST", INVOKE, b"{}", length="100")
    assert_lambda_error(response, 400, "InvalidRequestContentException")


def test_deeply_nested_json_is_a_400_not_a_dropped_connection(runtime) -> None:
    for method, path in (("POST", INVOKE), ("PUT", CONFIGURATION)):
        response = request(runtime.port, method, path, b"[" * 100_000)
        assert_lambda_error(response, 400, "InvalidRequestContentException")


def test_an_unsupported_method_is_a_405_in_lambdas_shape(runtime) -> None:
    assert_lambda_error(request(runtime.port, "DELETE", INVOKE), 405,
                        "InvalidRequestContentException")
    assert_lambda_error(exchange(runtime.port, b"NONSENSE\r\n\r\n"), 400,
                        "InvalidRequestContentException")


@pytest.mark.parametrize("update", [
    {"Environment": []},
    {"Environment": {"Variables": {"XY": 1}}},
    {"Environment": {"Variables": {"XY": None}}},
    {"Environment": {"Variables": {"X": "single-character names are refused by Lambda"}}},
    {"Environment": {"Variables": []}},
    {"Environment": {"Variables": {"AWS_REGION": "eu-west-1"}}},
    {"Environment": {"Variables": {"1X": "a"}}},
    {"Environment": {"Variables": {"XY": "\ud800"}}},
    {"Environment": {"Variables": {"XY": "a" * 5000}}},
    {"Environment": {"Other": {}}},
    {"MemorySize": "512"}, {"MemorySize": True}, {"Timeout": 0},
    {"Handler": "other.handler"}, {"Surprise": 1}, {"RevisionId": "stale"},
], ids=lambda update: json.dumps(update)[:60])
def test_an_invalid_configuration_is_refused_and_changes_nothing(runtime, update) -> None:
    client = runtime.client()
    before = client.get_function_configuration(FunctionName=X86)
    response = request(runtime.port, "PUT", CONFIGURATION, json.dumps(update).encode())
    assert_lambda_error(response, 400, "InvalidParameterValueException")
    after = client.get_function_configuration(FunctionName=X86)
    assert (after["RevisionId"], after["Environment"]) == (before["RevisionId"],
                                                           before["Environment"])
    status, _, document = parsed(request(runtime.port, "POST", INVOKE, EVENT))
    assert status == 200 and document["result"] == "B"


def test_a_valid_configuration_still_applies(runtime) -> None:
    client = runtime.client()
    variables = client.get_function_configuration(FunctionName=X86)["Environment"]["Variables"]
    client.update_function_configuration(
        FunctionName=X86, Environment={"Variables": {**variables, "EXTRA": "1"}})
    try:
        now = client.get_function_configuration(FunctionName=X86)["Environment"]["Variables"]
        assert now["EXTRA"] == "1"
    finally:
        client.update_function_configuration(FunctionName=X86,
                                             Environment={"Variables": variables})


def test_stalled_and_excess_connections_are_bounded(runtime) -> None:
    from local_lambda.guard import MAX_CONNECTIONS

    threads_before = server_status(runtime, "Threads:")
    stalled = []
    for _ in range(MAX_CONNECTIONS + 20):
        connection = socket.create_connection(("127.0.0.1", runtime.port), timeout=10)
        connection.sendall(b"POST " + INVOKE.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        stalled.append(connection)
    time.sleep(1.0)
    try:
        assert server_status(runtime, "Threads:") <= threads_before + MAX_CONNECTIONS
        refused = b""
        while chunk := stalled[-1].recv(4096):  # the refusal, then the server closes
            refused += chunk
        assert_lambda_error(refused, 429, "TooManyRequestsException")
    finally:
        for connection in stalled:
            connection.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # closed connections give their threads back
        response = request(runtime.port, "POST", INVOKE, EVENT)
        if parsed(response)[0] == 200:
            break
        time.sleep(0.2)
    assert parsed(response)[0] == 200


def test_a_stalled_request_times_out_and_frees_its_thread(runtime) -> None:
    from local_lambda.guard import READ_TIMEOUT_SECONDS

    with socket.create_connection(("127.0.0.1", runtime.port), timeout=60) as connection:
        connection.sendall(b"POST " + INVOKE.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Content-Length: 100\r\n\r\n{")
        started = time.monotonic()
        answer = b""
        while chunk := connection.recv(4096):  # until the server closes the connection
            answer += chunk
        waited = time.monotonic() - started
    assert READ_TIMEOUT_SECONDS - 1 <= waited <= READ_TIMEOUT_SECONDS + 5
    assert_lambda_error(answer, 408, "RequestTimeoutException")
