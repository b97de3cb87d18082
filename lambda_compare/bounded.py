"""Every invocation within a wall-clock limit and a byte cap, and stoppable at once.

botocore's read timeout applies to each read, so an answer that drips a byte a second never
times out; it also reads an error answer whole, whatever its Content-Length says. So each
invocation runs in a thread of its own that the caller waits for until its deadline or Ctrl-C,
and every body the client reads passes through a capped reader installed in the client's HTTP
session. At the deadline an answer's socket is shut, which ends the thread; an answer still
stuck in its headers is left to its daemon thread, which nobody waits for.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .answers import AnswerError
from .limits import MAX_ANSWER_BYTES

T = TypeVar("T")
CHUNK_BYTES = 64 * 1024


class InvokeTimedOut(Exception):
    pass


class Cancelled(Exception):
    """The run was stopped (Ctrl-C): the call's outcome is not wanted any more."""


class AnswerTooLarge(AnswerError):
    pass


@dataclass(frozen=True)
class Answer:
    response: dict[str, Any]
    body: bytes
    client_ms: float  # from sending the request to the answer's last byte


@dataclass(eq=False)
class _Call:
    deadline: float
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None
    over: bool = False  # past its deadline or cancelled: nothing more may be read
    cancelled: bool = False
    streams: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def opened(self, stream: Any) -> None:
        """An answer's stream, to shut when the call is over."""
        with self.lock:
            self.streams.append(stream)
            over = self.over
        if over:
            _shut(stream)
            raise Cancelled()

    def end(self) -> None:
        with self.lock:
            self.over = True
            streams = list(self.streams)
        for stream in streams:
            _shut(stream)


_current = threading.local()


class BoundedCalls:
    def __init__(self, timeout_s: float, max_bytes: int = MAX_ANSWER_BYTES) -> None:
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._calls: set[_Call] = set()
        self._stopped = False

    def install(self, client: Any) -> None:
        """Cap every body `client` reads (botocore's session reads error bodies whole)."""
        endpoint: Any = getattr(client, "_endpoint", None)
        session = getattr(endpoint, "http_session", None)
        if session is not None and not isinstance(session, _CappedSession):
            endpoint.http_session = _CappedSession(session, self.max_bytes)

    def invoke(self, client: Any, **request: Any) -> Answer:
        """client.invoke(**request) and its whole payload, within the limits."""
        def call() -> Answer:
            started = time.perf_counter()
            response = client.invoke(**request)
            body = read_capped(response["Payload"], self.max_bytes)
            return Answer(response, body, (time.perf_counter() - started) * 1000.0)

        return self.run(call)

    def run(self, function: Callable[[], T]) -> T:
        """function() in its own thread; InvokeTimedOut at the deadline, Cancelled once
        cancel() was called, and whatever function() raised."""
        call = _Call(time.monotonic() + self.timeout_s)
        with self._lock:
            if self._stopped:
                raise Cancelled()
            self._calls.add(call)
        try:
            threading.Thread(target=_run, args=(call, function), daemon=True,
                             name="lambda-compare-invoke").start()
            finished = call.done.wait(max(0.0, call.deadline - time.monotonic()))
        except BaseException:  # Ctrl-C while waiting
            call.end()
            raise
        finally:
            with self._lock:
                self._calls.discard(call)
        if call.cancelled:
            raise Cancelled()
        if not finished:
            call.end()
            raise InvokeTimedOut(f"no complete answer within {self.timeout_s:g} s "
                                 "(--invoke-timeout, wall clock)")
        if call.error is not None:
            raise call.error
        return call.result

    def cancel(self) -> None:
        """Stop every call in flight now, and refuse new ones (Ctrl-C)."""
        with self._lock:
            self._stopped = True
            calls = list(self._calls)
        for call in calls:
            call.cancelled = True
            call.end()
            call.done.set()


def _run(call: _Call, function: Callable[[], Any]) -> None:
    _current.call = call
    try:
        call.result = function()
    except BaseException as error:  # handed to the waiting caller
        call.error = error
    finally:
        _current.call = None
        call.done.set()


def read_capped(stream: Any, limit: int) -> bytes:
    """A whole body, refused once it passes `limit` bytes."""
    chunks, total = [], 0
    while chunk := stream.read(CHUNK_BYTES):
        total += len(chunk)
        if total > limit:
            stream.close()
            raise AnswerTooLarge(f"the answer passed {limit:,} bytes (Lambda's limit): refused "
                                 "after reading that much")
        chunks.append(chunk)
    return b"".join(chunks)


def _shut(stream: Any) -> None:
    """Wake a read blocked on this answer's socket (urllib3's shutdown), from any thread."""
    with contextlib.suppress(Exception):  # already released or closed: nothing blocks on it
        stream.shutdown()


class _CappedSession:
    """botocore's HTTP session with every answer's body capped and registered with its call."""

    def __init__(self, inner: Any, max_bytes: int) -> None:
        self.inner = inner
        self.max_bytes = max_bytes

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def send(self, request: Any) -> Any:
        call: _Call | None = getattr(_current, "call", None)
        if call is not None and call.over:
            raise Cancelled()  # no retry after the deadline
        stream_output = request.stream_output
        request.stream_output = True  # the body is read below, capped, not by the session
        try:
            response = self.inner.send(request)
        finally:
            request.stream_output = stream_output
        raw = response.raw
        if call is not None:
            call.opened(raw)
        declared = _content_length(response.headers)
        if declared is not None and declared > self.max_bytes:
            raw.close()
            raise AnswerTooLarge(f"the answer declares {declared:,} bytes (Content-Length), "
                                 f"over the {self.max_bytes:,} bytes Lambda can answer")
        response.raw = _CappedStream(raw, self.max_bytes)
        if not stream_output:
            response.content  # noqa: B018 — read now, as the session would have
        return response


def _content_length(headers: Any) -> int | None:
    try:
        return int(headers.get("content-length", ""))
    except ValueError:
        return None


class _CappedStream:
    """A urllib3 response that refuses to give more than `limit` bytes."""

    def __init__(self, raw: Any, limit: int) -> None:
        self._raw = raw
        self._limit = limit
        self._read = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def read(self, amt: int | None = None, *args: Any, **kwargs: Any) -> bytes:
        if amt is None:
            return b"".join(iter(lambda: self.read(CHUNK_BYTES), b""))
        data: bytes = self._raw.read(min(amt, self._limit - self._read + 1), *args, **kwargs)
        self._read += len(data)
        if self._read > self._limit:
            self._raw.close()
            raise AnswerTooLarge(f"the answer passed {self._limit:,} bytes (Lambda's limit): "
                                 "refused after reading that much")
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def stream(self, amt: int = CHUNK_BYTES, decode_content: bool | None = None
               ) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk
