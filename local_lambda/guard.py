"""What the HTTP front checks before it reads a request: who is asking, and how much.

The API can reconfigure and run code, so it answers only on loopback names: a web page
that rebinds its own name to 127.0.0.1 (DNS rebinding) still sends its own name as Host,
and a browser sends its page's Origin, so both must be loopback or explicitly allowed.
A body's size is checked before a byte of it is read; slow or idle connections time out;
connections beyond a fixed number are refused instead of each holding a thread.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterable
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
READ_TIMEOUT_SECONDS = 15.0
MAX_CONNECTIONS = 64


def host_name(value: str) -> str | None:
    """`name` of a `name[:port]` Host header (IPv6 in brackets), lower-cased; None if malformed."""
    try:
        parts = urlsplit("//" + value.strip())
        name, _ = parts.hostname, parts.port  # .port raises on a bad port
    except ValueError:
        return None
    if not name or parts.path or parts.query or parts.fragment or parts.username:
        return None
    return name.lower()


class HostPolicy:
    """Loopback names, plus the ones the user allowed (`--allow-host`)."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.names = LOOPBACK_NAMES | {name.lower().strip("[]") for name in allowed}

    def refusal(self, host: str | None, origin: str | None) -> str | None:
        """Why a request with these headers is refused, or None when it is allowed."""
        if host is None:
            return "the Host header is required"
        if host_name(host) not in self.names:
            return f"Host {json.dumps(host[:100])} is not a loopback or allowed name"
        if origin is not None:
            try:
                name = urlsplit(origin).hostname
            except ValueError:
                name = None
            if name not in self.names:
                return f"Origin {json.dumps(origin[:100])} is not a loopback or allowed name"
        return None


def content_length(value: str | None, limit: int) -> int:
    """The declared body size, checked before anything is read: ValueError when malformed,
    OverflowError (with the size) when over `limit`."""
    if value is None:
        return 0
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 30:
        raise ValueError(f"Content-Length {json.dumps(value[:40])} is not a byte count")
    length = int(text)
    if length > limit:
        raise OverflowError(length)
    return length


class BoundedHTTPServer(ThreadingHTTPServer):
    """A thread per connection, up to `max_connections`; beyond, a 429 and the door closed."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: Any,
                 max_connections: int = MAX_CONNECTIONS) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(max_connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            _refuse_busy(request)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def _refuse_busy(request: socket.socket) -> None:
    body = json.dumps({"Type": "User", "message": "too many open connections to the local "
                       "runtime; retry", "Reason": "ConcurrentInvocationLimitExceeded"}).encode()
    head = ("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nx-amzn-ErrorType: TooManyRequestsException\r\n"
            f"x-amzn-RequestId: {uuid.uuid4()}\r\nConnection: close\r\n\r\n")
    try:
        request.settimeout(1.0)
        request.sendall(head.encode() + body)
    except OSError:
        pass
