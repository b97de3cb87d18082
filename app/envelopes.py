"""Lambda's envelopes: which kind of event came, its HTTP body, and the answer it expects.

Direct invokes carry the request itself and get the JSON document back as bytes (the runtime
passes bytes through unchanged, so it is encoded once, here). Function URL and API Gateway
(REST v1, HTTP v2) proxy events carry it as a body, possibly base64, and get a proxy
response with a status and the same document as its body. `inference/` never sees either;
this module never sees what the body holds (as Powertools' envelopes hand the body on).
"""

from __future__ import annotations

import base64
import binascii
from enum import Enum

from inference.errors import InvalidJson, MethodNotAllowed, PayloadTooLarge, quoted
from inference.protocols import HttpRequest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

JSON_HEADERS = {"Content-Type": "application/json"}
# Bodies are UTF-8 (RFC 8259 §8.1); one leading byte order mark is ignored, text or base64.
UTF8_BOM = b"\xef\xbb\xbf"


class Transport(Enum):
    DIRECT = "direct"
    HTTP = "http"


def transport_of(event: Any) -> Transport:
    """HTTP when the event is a proxy event (it has a requestContext and an HTTP method)."""
    if (isinstance(event, dict) and isinstance(event.get("requestContext"), dict)
            and ("httpMethod" in event or isinstance(event["requestContext"].get("http"), dict))):
        return Transport.HTTP
    return Transport.DIRECT


def http_method(event: dict[str, Any]) -> object:
    """REST (v1) events name the method at the top, Function URL / HTTP API (v2) events in
    requestContext.http; anything else there is kept as is, for the refusal to show."""
    method = event.get("httpMethod")
    if method is None:
        http = event["requestContext"].get("http")
        method = http.get("method") if isinstance(http, dict) else None
    return method


def http_body(event: dict[str, Any], max_request_bytes: int) -> bytes | str | None:
    """The request body, decoded from base64 if need be; None for a describe (GET)."""
    method = http_method(event)
    if method == "GET":
        return None
    if method != "POST":
        raise MethodNotAllowed(f"use POST to predict or GET to describe the model, not "
                               f"{quoted(method)}", method=str(method))
    body = decoded_body(event, max_request_bytes)
    if body is None or body == "":
        raise InvalidJson("the request body is empty; send a JSON object")
    return body


def http_request(event: dict[str, Any], max_request_bytes: int) -> HttpRequest:
    """Method, path, headers (names lower-cased) and body, for the protocols in
    `inference.protocols`: REST (v1) events name the path `path`, v2 events `rawPath`."""
    path = event.get("rawPath") or event.get("path") or "/"
    headers = event.get("headers") or {}
    return HttpRequest(str(http_method(event)), str(path),
                       {str(name).lower(): str(value) for name, value in headers.items()}
                       if isinstance(headers, dict) else {},
                       decoded_body(event, max_request_bytes))


def http_path(event: dict[str, Any]) -> str:
    path = event.get("rawPath") or event.get("path")
    return path if isinstance(path, str) else "/"


def http_header(event: dict[str, Any], name: str) -> str | None:
    """One header, whatever the case of its name (API Gateway v1 keeps the client's)."""
    headers = event.get("headers")
    if not isinstance(headers, dict):
        return None
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if str(k).lower() == name), None)
    return value if isinstance(value, str) else None


def decoded_body(event: dict[str, Any], max_request_bytes: int) -> bytes | str | None:
    """The body as sent, base64 decoded and one byte order mark dropped; None when absent."""
    body = event.get("body")
    if body is None or body == "":
        return None
    if not isinstance(body, str):
        raise InvalidJson("the request body must be a JSON text")
    # Refuse before decoding: base64 inflates by 4/3, so this bound holds either way.
    if len(body) > max_request_bytes * 4 // 3 + 4:
        raise PayloadTooLarge(f"the request body is {len(body)} bytes; the limit is "
                              f"{max_request_bytes}", limit=max_request_bytes)
    raw: bytes | str
    if event.get("isBase64Encoded"):
        try:
            decoded = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidJson("the request body is marked base64 but is not valid base64") from None
        raw = decoded[len(UTF8_BOM):] if decoded.startswith(UTF8_BOM) else decoded
    else:
        raw = body[1:] if body.startswith("\ufeff") else body
    if len(raw) > max_request_bytes:
        raise PayloadTooLarge(f"the request body is {len(raw)} bytes; the limit is "
                              f"{max_request_bytes}", limit=max_request_bytes)
    return raw


def render(transport: Transport, status: int, document: str,
           content_type: str = "application/json") -> bytes | dict[str, Any]:
    if transport is Transport.DIRECT:
        return document.encode("utf-8")
    headers = JSON_HEADERS if content_type == "application/json" else \
        {"Content-Type": content_type}
    return {"statusCode": status, "headers": headers, "body": document,
            "isBase64Encoded": False}
