"""The guarded HTTP front both local endpoints share: the Lambda API and Function URLs.

Every request gets an answer in Lambda's error shape (`x-amzn-ErrorType` and a JSON body), so
boto3 raises the exceptions it raises against Lambda; malformed requests get a 4xx. The body's
declared size is checked before anything is read; the checks made before a request is read
(Host/Origin, Content-Length, timeouts, connections) live in `guard`. Subclasses serve
`_serve(method, path, body)`.
"""

from __future__ import annotations

import contextlib
import json
import sys
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from .guard import READ_TIMEOUT_SECONDS, HostPolicy, content_length

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
# An oversized body is read and dropped up to this much, so the client sees the 413.
MAX_DRAINED_BYTES = 16 * 1024 * 1024


class ApiError(Exception):
    def __init__(self, status: int, error_type: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.error_type, self.message, self.extra = status, error_type, message, extra



class LambdaHttpHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalLambda"
    default_request_version = "HTTP/1.1"  # so even a garbled request line gets headers back
    timeout = READ_TIMEOUT_SECONDS  # every read and write on the connection
    hosts: HostPolicy  # set on the subclass made by make_server or make_url_server

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def log_message(self, format: str, *args: Any) -> None:
        return

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (TimeoutError, ConnectionError):  # a client that stalls or leaves mid-request
            self.close_connection = True

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """What http.server refuses itself (bad request line, headers, method): Lambda's shape."""
        status = 405 if code == HTTPStatus.NOT_IMPLEMENTED else code
        self.close_connection = True
        self._error(ApiError(status, "InvalidRequestContentException",
                             message or HTTPStatus(status).phrase))

    def _dispatch(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        try:
            refusal = self.hosts.refusal(self.headers.get("Host"), self.headers.get("Origin"))
            if refusal:
                self.close_connection = True
                raise ApiError(403, "AccessDeniedException", refusal)
            self._serve(method, path, self._read_body())
        except ApiError as error:
            self._error(error)
        except TimeoutError:
            self.close_connection = True
            self._answer_quietly(ApiError(408, "RequestTimeoutException",
                                          f"no complete request within {self.timeout:.0f} s"))
        except ConnectionError:
            self.close_connection = True
        except Exception as error:
            print(f"[local-lambda] {method} {path[:200]} failed: {error!r}", file=sys.stderr)
            self.close_connection = True
            self._error(ApiError(500, "ServiceException", "the local runtime failed on this "
                                 "request; its console has the details"))

    def _serve(self, method: str, path: str, body: bytes) -> None:
        """A request past the front's checks: what the subclass serves."""
        raise NotImplementedError

    def _answer_quietly(self, error: ApiError) -> None:
        with contextlib.suppress(OSError):  # the client is gone: nobody to answer
            self._error(error)

    def _read_body(self) -> bytes:
        """The body, its declared size checked before anything is read or allocated."""
        if "Transfer-Encoding" in self.headers:
            self.close_connection = True
            raise ApiError(411, "InvalidRequestContentException",
                           "send the body with a Content-Length, not a Transfer-Encoding")
        try:
            length = content_length(self.headers.get("Content-Length"), MAX_SYNC_PAYLOAD)
        except OverflowError as too_large:
            self._drain(too_large.args[0])
            raise ApiError(413, "RequestEntityTooLargeException",
                           f"{too_large.args[0]} byte payload is too large for the Invoke API "
                           f"(limit {MAX_SYNC_PAYLOAD} bytes)") from None
        except ValueError as malformed:
            self.close_connection = True
            raise ApiError(400, "InvalidRequestContentException", str(malformed)) from None
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True
            raise ApiError(400, "InvalidRequestContentException",
                           f"the body ended after {len(body)} of {length} bytes")
        return body

    def _drain(self, length: int) -> None:
        """Read and drop an oversized body, within bounds, so the client reads the answer."""
        remaining = min(length, MAX_DRAINED_BYTES)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 16))
            if not chunk:
                break
            remaining -= len(chunk)
        if length > MAX_DRAINED_BYTES or remaining > 0:
            self.close_connection = True

    def _json(self, status: int, document: dict[str, Any]) -> None:
        self._send(status, json.dumps(document).encode(), {})

    def _error(self, error: ApiError) -> None:
        document = {"Type": "User", "message": error.message, **error.extra}
        headers = {"x-amzn-ErrorType": error.error_type, "x-amzn-RequestId": str(uuid.uuid4())}
        if self.close_connection:
            headers["Connection"] = "close"
        self._send(error.status, json.dumps(document).encode(), headers)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if body:
            self.wfile.write(body)
