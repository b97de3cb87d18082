"""Function URLs on 127.0.0.1: plain HTTP in, the event Lambda sends a function for it, and
the function's answer back out as HTTP.

Each request becomes a Function URL event (payload format 2.0: rawPath, rawQueryString,
lower-cased headers, requestContext.http, the body base64-encoded unless it is text); an
answer with a `statusCode` is a proxy response (status, headers, body, isBase64Encoded),
any other answer is sent as a 200 JSON body, as Lambda does. The front is the Invoke API's:
the same Host/Origin check, body cap, timeouts and connection limit (`api`, `guard`).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .console import echo, host_note
from .guard import BoundedHTTPServer, HostPolicy
from .http_front import ApiError, LambdaHttpHandler
from .pool import FunctionPool, Throttled

# Bodies Lambda passes as text; anything else is base64-encoded in the event.
TEXT_TYPES = ("application/json", "application/javascript", "application/xml",
              "application/yaml", "application/x-www-form-urlencoded")


def is_text(content_type: str | None) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind.startswith("text/") or kind in TEXT_TYPES or kind.endswith(("+json", "+xml"))


def function_url_event(method: str, target: str, headers: Iterable[tuple[str, str]],
                       body: bytes, source_ip: str, port: int) -> dict[str, Any]:
    """The event a Function URL sends its function for this request (payload format 2.0)."""
    parts = urlsplit(target)
    lowered: dict[str, str] = {}
    for name, value in headers:  # repeated headers are joined with commas, as Lambda does
        key = name.lower()
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    text = is_text(lowered.get("content-type"))
    if text:
        try:
            body_text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = False
    now = datetime.now(UTC)
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path or "/",
        "rawQueryString": parts.query,
        "headers": lowered,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": f"local{port}",
            "domainName": f"127.0.0.1:{port}",
            "domainPrefix": "127",
            "http": {"method": method, "path": parts.path or "/", "protocol": "HTTP/1.1",
                     "sourceIp": source_ip, "userAgent": lowered.get("user-agent", "")},
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": bool(body) and not text,
    }
    if query:
        event["queryStringParameters"] = query
    if "cookie" in lowered:
        event["cookies"] = [c.strip() for c in lowered.pop("cookie").split(";") if c.strip()]
    if body:
        event["body"] = body_text if text else base64.b64encode(body).decode("ascii")
    return event


def http_answer(payload: bytes) -> tuple[int, dict[str, str], bytes]:
    """A function's answer as HTTP: a proxy response, or any other JSON as a 200 body."""
    try:
        answer = json.loads(payload)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or "statusCode" not in answer:
        return 200, {"Content-Type": "application/json"}, payload
    status = answer["statusCode"]
    if type(status) is not int or not 100 <= status <= 599:
        raise ApiError(502, "InvalidResponse", f"the function answered statusCode {status!r}")
    headers = {str(k): str(v) for k, v in (answer.get("headers") or {}).items()}
    headers.setdefault("Content-Type", "application/json")
    body = answer.get("body") or ""
    if not isinstance(body, str):
        body = json.dumps(body)
    data = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode("utf-8")
    return status, headers, data


class FunctionUrlHandler(LambdaHttpHandler):
    """One function's URL: the front the Invoke API has, every method and path its own."""

    pool: FunctionPool  # set on the subclass made by make_url_server
    port: int  # likewise, once the server is bound

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def _serve(self, method: str, path: str, body: bytes) -> None:
        """Every method and path is the function's: the request as a Function URL event."""
        event = function_url_event(method, self.path, self.headers.items(), body,
                                   self.client_address[0], self.port)
        self._call(event)

    def _call(self, event: dict[str, Any]) -> None:
        pool = self.pool
        try:
            outcome = pool.invoke(json.dumps(event).encode())
        except Throttled:
            raise ApiError(429, "TooManyRequestsException", "Rate Exceeded.") from None
        except (RuntimeError, OSError) as error:
            raise ApiError(502, "ServiceException", f"the execution environment failed to "
                                                   f"start: {error}") from None
        echo(pool.spec.name, outcome.log_lines,
             outcome.report.line(host_note(pool.spec, pool.image)))
        if outcome.function_error:
            raise ApiError(502, "FunctionError", "Internal Server Error")
        status, headers, data = http_answer(outcome.payload)
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        self.send_response(status, phrase)
        headers["Content-Length"] = str(len(data))
        headers.setdefault("x-amzn-RequestId", outcome.request_id)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)


def make_url_server(pool: FunctionPool, port: int,
                    allowed_hosts: Iterable[str] = ()) -> BoundedHTTPServer:
    handler: type[FunctionUrlHandler] = type(
        "BoundFunctionUrlHandler", (FunctionUrlHandler,),
        {"pool": pool, "hosts": HostPolicy(allowed_hosts)})
    server = BoundedHTTPServer(("127.0.0.1", port), handler)
    handler.port = server.server_address[1]
    return server

