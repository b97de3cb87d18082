"""The HTTP protocols ML clients already speak, beside our own JSON: each turns an HTTP request
(method, path, headers, body: what the envelope took out of its event) into an answer.

- `v2`: the Open Inference Protocol (KServe v2: Triton, MLServer, KServe clients);
- `sagemaker`: SageMaker's XGBoost container conventions (text/csv rows, Accept).
"""

from __future__ import annotations

CSV = "text/csv"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


class HttpRequest:
    """What a protocol needs of an HTTP request; header names lower-cased, body decoded."""

    __slots__ = ("body", "headers", "method", "path")

    def __init__(self, method: str, path: str, headers: Mapping[str, str],
                 body: bytes | str | None) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body


class Answer:
    """An HTTP answer and how many rows it predicted (for the request's log line)."""

    __slots__ = ("body", "content_type", "rows", "status")

    def __init__(self, status: int, body: str, content_type: str = "application/json",
                 rows: int = 0) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.rows = rows


def media_type(value: str | None) -> str:
    """`text/csv; charset=utf-8` -> `text/csv`; absent -> empty."""
    return (value or "").split(";", 1)[0].strip().lower()


def is_v2_path(path: str) -> bool:
    """Anything under /v2 (after one optional stage segment) is the Open Inference Protocol's,
    so an unknown path there gets its 404. String steps, no regular expression: compiling one
    costs a cold start milliseconds."""
    parts = path.split("/", 3)
    return parts[1:2] == ["v2"] or parts[2:3] == ["v2"]
