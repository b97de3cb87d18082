"""A Lambda endpoint that misbehaves on purpose: real HTTP on 127.0.0.1, enough of the Invoke
API for boto3 (GetFunction answered as `sam local` does, describe and measured invokes).

Each test gives the answer to measured invokes as a function that writes the raw response;
describe requests get a proper answer unless the test gives its own.
"""

from __future__ import annotations

import base64
import json
import platform
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD_ANSWER = {"predictions": [{"label": "benign", "class_index": 1,
                                "probabilities": {"malignant": 0.1, "benign": 0.9}}]}
GOOD_DESCRIBE = {"model_version": "v1", "model_sha256": "0" * 64, "engine": "fake",
                 "library_versions": {"python": platform.python_version()},
                 "machine": platform.machine()}
GOOD_REPORT = ("REPORT RequestId: r1\tDuration: 1.25 ms\tBilled Duration: 2 ms\t"
               "Memory Size: 512 MB\tMax Memory Used: 40 MB\t")

Answer = Callable[["Handler"], None]


def report_header(log: str) -> dict[str, str]:
    return {"X-Amz-Log-Result": base64.b64encode(log.encode()).decode()}


def send(handler: Handler, body: bytes | Any = b"", status: int = 200,
         headers: dict[str, str] | None = None, length: int | None = None) -> None:
    """A whole response; `body` as bytes or any JSON value; `length`: the Content-Length
    to declare (default: the true one)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(data) if length is None else length))
    handler.end_headers()
    handler.wfile.write(data)


def answering(body: bytes | Any = None, report: str | None = GOOD_REPORT,
              headers: dict[str, str] | None = None, status: int = 200) -> Answer:
    """An answer to every measured invoke: this body (default: a good one), this REPORT."""
    extra = {**(report_header(report) if report else {}), **(headers or {})}
    return lambda handler: send(handler, GOOD_ANSWER if body is None else body, status, extra)


def dripping(seconds: float = 120.0, in_headers: bool = False) -> Answer:
    """A byte a second, in the body (declared 1 KB) or still in the headers."""
    def answer(handler: Handler) -> None:
        handler.send_response(200)
        if not in_headers:
            handler.send_header("Content-Length", "1024")
            handler.end_headers()
        handler.wfile.flush()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not handler.server.stopping.is_set():
            handler.wfile.write(b"X" if in_headers else b" ")
            handler.wfile.flush()
            time.sleep(1.0)
    return answer


def streaming(total_bytes: int) -> Answer:
    """A huge body without Content-Length, written in 1 MB pieces until the client hangs up."""
    def answer(handler: Handler) -> None:
        piece = b"[" + b"0," * (512 * 1024 - 1)
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        sent = 0
        while sent < total_bytes and not handler.server.stopping.is_set():
            handler.wfile.write(piece)
            sent += len(piece)
        handler.close_connection = True
    return answer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # GetFunction: not offered, as `sam local start-lambda`
        send(self, {"Type": "LocalService", "Message": "PathNotFoundException"}, 404,
             {"x-amzn-errortype": "PathNotFoundLocally"})

    def do_POST(self) -> None:
        payload = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            if b'"describe"' in payload:
                self.server.describe(self)
            else:
                self.server.invocations.append(time.monotonic())
                self.server.answer(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: Answer, describe: Answer) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.answer, self.describe = answer, describe
        self.invocations: list[float] = []
        self.stopping = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request is what these tests provoke, not a failure: only
        anything else is printed (socketserver would print a traceback for each)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def hostile_endpoint(answer: Answer, describe: Answer | None = None) -> Iterator[Server]:
    server = Server(answer, describe or (lambda handler: send(handler, GOOD_DESCRIBE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
