"""Errors answered to callers, one type per kind, each with a stable machine-readable code.

Callers branch on `code`; the message is for people and may be reworded. They are
mapped to an answer in exactly one place (`responses.error_document`).

Whatever the request, an answer stays small: a message is cut to `MAX_MESSAGE_CHARS` and
each detail to a short prefix, counted in JSON-escaped characters, so a 6 MB key is never
echoed back (Lambda would refuse an answer over 6 MB, and a caller should not receive
its own payload back anyway).
"""

from __future__ import annotations

import json

# typing costs milliseconds at every cold start; annotations are not evaluated at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar

MAX_MESSAGE_CHARS = 1024
MAX_DETAIL_CHARS = 64
MAX_DETAIL_ITEMS = 32
_CUT = "..."


def clip(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """`text`, or its start and end around "...", within `limit` characters once JSON-escaped."""
    if len(text) * 6 <= limit or len(json.dumps(text)) - 2 <= limit:
        return text
    budget = limit - len(_CUT)
    head = _fit(text, budget * 3 // 4)
    tail = _fit(text[len(head):][::-1], budget - budget * 3 // 4)[::-1]
    return head + _CUT + tail


def _fit(text: str, budget: int) -> str:
    """The longest start of `text` whose escaped form fits in `budget` characters."""
    used = 0
    for index, char in enumerate(text[:budget]):
        used += len(json.dumps(char)) - 2
        if used > budget:
            return text[:index]
    return text[:budget]


def quoted(text: object, limit: int = MAX_DETAIL_CHARS) -> str:
    """A short, escaped, quoted form of something the caller sent, for a message."""
    return json.dumps(clip(str(text), limit))


def _bounded(value: Any) -> Any:
    if isinstance(value, str):
        return clip(value)
    if isinstance(value, (list, tuple)):
        return [_bounded(item) for item in value[:MAX_DETAIL_ITEMS]]
    if isinstance(value, dict):
        return {clip(str(key)): _bounded(item)
                for key, item in list(value.items())[:MAX_DETAIL_ITEMS]}
    return value


class ServiceError(Exception):
    """Something answered to the caller with a stable code: a refusal or a broken invariant."""

    code: ClassVar[str] = "bad_request"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, **details: Any) -> None:
        message = clip(message, MAX_MESSAGE_CHARS)
        super().__init__(message)
        self.message = message
        self.details = {key: _bounded(value) for key, value in details.items()}


class RequestError(ServiceError):
    """A request the service understood well enough to refuse."""


class InvalidJson(RequestError):
    code = "invalid_json"


class TooManyValues(RequestError):
    """A body whose structure could not be a request: refused before it is parsed."""

    code = "too_many_values"
    http_status = 413


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


class UnknownCategory(RequestError):
    """A category name the model was not trained on (XGBoost refuses it too), or a name for a
    categorical feature whose names are not known."""

    code = "unknown_category"


class NonFiniteValue(RequestError):
    code = "non_finite_value"


class NotFound(RequestError):
    """A path that none of the function's protocols serves."""

    code = "not_found"
    http_status = 404


class ModelNotFound(RequestError):
    """An Open Inference Protocol path naming a model or version the function does not serve."""

    code = "model_not_found"
    http_status = 404


class InvalidTensor(RequestError):
    """An Open Inference Protocol input whose name, shape, datatype or data do not fit."""

    code = "invalid_tensor"


class UnknownOutput(RequestError):
    code = "unknown_output"


class NotAcceptable(RequestError):
    code = "not_acceptable"
    http_status = 406


class InternalError(ServiceError):
    """A broken invariant inside the function (a bug, never the caller's fault).

    Anything unexpected that reaches the handler is answered with this one code, so no
    exception escapes to the runtime and callers see one documented answer.
    """

    code = "internal_error"
    http_status = 500


def all_error_codes() -> dict[str, int]:
    """Every code a caller can receive, with its HTTP status: the documented contract."""
    found: dict[str, int] = {}
    pending: list[type[ServiceError]] = [ServiceError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if kind not in (ServiceError, RequestError):
            found[kind.code] = kind.http_status
    return dict(sorted(found.items()))


class ArtifactError(RuntimeError):
    """An artifact is missing, corrupt or inconsistent: init must fail, loudly."""
