"""User errors, one type per kind, each with a stable machine-readable code.

Callers branch on `code`; the message is for people and may be reworded. They are
mapped to an answer in exactly one place (`responses.error_body`).
"""

from __future__ import annotations

# typing costs milliseconds at every cold start; annotations are not evaluated at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar


class RequestError(Exception):
    """A request the service understood well enough to refuse."""

    code: ClassVar[str] = "bad_request"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidJson(RequestError):
    code = "invalid_json"


class DuplicateKey(RequestError):
    code = "duplicate_key"


class UnknownEventShape(RequestError):
    code = "unknown_event_shape"


class UnknownField(RequestError):
    code = "unknown_field"


class MethodNotAllowed(RequestError):
    code = "method_not_allowed"
    http_status = 405


class PayloadTooLarge(RequestError):
    code = "payload_too_large"
    http_status = 413


class EmptyBatch(RequestError):
    code = "empty_batch"


class BatchTooLarge(RequestError):
    code = "batch_too_large"
    http_status = 413


class InvalidRow(RequestError):
    code = "invalid_row"


class InvalidFeatureCount(RequestError):
    code = "invalid_feature_count"


class MissingFeature(RequestError):
    code = "missing_feature"


class UnknownFeature(RequestError):
    code = "unknown_feature"


class DuplicateFeature(RequestError):
    code = "duplicate_feature"


class MixedFeatureNames(RequestError):
    code = "mixed_feature_names"


class NotANumber(RequestError):
    code = "not_a_number"


class NonFiniteValue(RequestError):
    code = "non_finite_value"


def all_error_codes() -> dict[str, int]:
    """Every code a caller can receive, with its HTTP status: the documented contract."""
    found: dict[str, int] = {}
    pending = [RequestError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if kind is not RequestError:
            found[kind.code] = kind.http_status
    return dict(sorted(found.items()))


class ArtifactError(RuntimeError):
    """An artifact is missing, corrupt or inconsistent: init must fail, loudly."""
