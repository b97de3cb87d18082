"""The user's own requests, to replay against both functions (`--payloads FILE|DIR`).

A FILE is JSON Lines: one request per line, a direct-invoke payload or a Function URL / API
Gateway proxy event, sent as it is. A DIR holds one request per `*.json` file, taken in name
order. Everything is read and checked before anything is sent: a bad request stops the run with
its line (or file) named, so a replay never runs on half a mix.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
from dataclasses import dataclass
from pathlib import Path

from .errors import EXIT_USAGE, UserError

MAX_REQUEST_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation payload limit
MAX_REQUESTS = 100_000
# Batch-size buckets, by rows per request: (label, smallest, largest).
BUCKETS: tuple[tuple[str, int, float], ...] = (
    ("1 row", 1, 1), ("2–10 rows", 2, 10), ("11–100 rows", 11, 100),
    ("101–1000 rows", 101, 1000), (">1000 rows", 1001, float("inf")))


@dataclass(frozen=True)
class Request:
    body: bytes
    rows: int  # predictions the request asks for (1 for a single row)
    origin: str  # where it was read: "mix.jsonl:12" or "dir/a.json"
    index: int  # position in the file's order, before any shuffle

    @property
    def bucket(self) -> str:
        return bucket_of(self.rows)


def bucket_of(rows: int) -> str:
    return next(label for label, low, high in BUCKETS if low <= rows <= high)


def load_requests(path: Path) -> list[Request]:
    """Every request of FILE (JSON Lines) or DIR (*.json), checked; raises UserError."""
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if not files:
            raise _bad(f"--payloads {path}: no *.json file in this directory")
        sources = [(str(file), _read(file, path)) for file in files]
    elif path.is_file():
        data = _read(path, path)
        sources = [(f"{path}:{number}", line) for number, line in
                   enumerate(data.split(b"\n"), start=1) if line.strip()]
    else:
        raise _bad(f"--payloads {path}: no such file or directory")
    if not sources:
        raise _bad(f"--payloads {path}: no request in it (one JSON object per line)")
    if len(sources) > MAX_REQUESTS:
        raise _bad(f"--payloads {path}: {len(sources)} requests, more than {MAX_REQUESTS}")
    return [_request(origin, raw, index) for index, (origin, raw) in enumerate(sources)]


def replay_order(requests: list[Request], shuffle: bool, seed: int) -> list[Request]:
    """The file's order, or one shuffle of it (the same for both functions)."""
    if not shuffle:
        return list(requests)
    shuffled = list(requests)
    random.Random(seed).shuffle(shuffled)
    return shuffled


def mix_description(requests: list[Request]) -> str:
    """What the mix holds, in a few words for reports and charts."""
    counts = {label: 0 for label, _, _ in BUCKETS}
    for request in requests:
        counts[request.bucket] += 1
    parts = [f"{n}× {label}" for label, n in counts.items() if n]
    rows = sum(r.rows for r in requests)
    return f"mix of {len(requests)} requests ({', '.join(parts)}; {rows / len(requests):.1f} " \
           "rows per request on average)"


def _read(file: Path, named: Path) -> bytes:
    try:
        size = file.stat().st_size
        limit = MAX_REQUEST_BYTES if file != named else MAX_REQUEST_BYTES * MAX_REQUESTS
        if size > limit:
            raise _bad(f"--payloads {file}: {size} bytes, more than {limit}")
        return file.read_bytes()
    except OSError as error:
        raise _bad(f"--payloads {file}: {error.strerror or error}") from None


def _request(origin: str, raw: bytes, index: int) -> Request:
    if len(raw) > MAX_REQUEST_BYTES:
        raise _bad(f"{origin}: {len(raw)} bytes, more than Lambda's {MAX_REQUEST_BYTES}-byte "
                   "payload limit")
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise _bad(f"{origin}: not JSON ({_reason(error)}); one request per line") from None
    if not isinstance(document, dict):
        raise _bad(f"{origin}: a request is a JSON object, not {type(document).__name__}")
    rows = _rows(document, origin)
    return Request(raw.strip(), rows, origin, index)


def _rows(document: dict[str, object], origin: str) -> int:
    """Rows in a direct payload, or in a proxy event's (possibly base64) body."""
    context = document.get("requestContext")
    if isinstance(context, dict) and "body" in document:
        body = document.get("body")
        if not isinstance(body, str) or not body:
            raise _bad(f"{origin}: a Function URL / API Gateway event needs a string body")
        try:
            text = base64.b64decode(body, validate=True) if document.get("isBase64Encoded") \
                else body
            inner = json.loads(text)
        except (binascii.Error, ValueError, RecursionError) as error:
            raise _bad(f"{origin}: the event's body is not JSON ({_reason(error)})") from None
        if not isinstance(inner, dict):
            raise _bad(f"{origin}: the event's body must be a JSON object")
        return _rows(inner, origin)
    instances = document.get("instances")
    if instances is None:
        return 1
    if not isinstance(instances, list) or not instances:
        raise _bad(f"{origin}: \"instances\" must be a non-empty list of rows")
    return len(instances)


def _reason(error: BaseException) -> str:
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__


def _bad(message: str) -> UserError:
    return UserError("bad_payloads", f"{message}; nothing was sent", EXIT_USAGE)
