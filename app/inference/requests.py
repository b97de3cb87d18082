"""Events in, typed prediction requests out.

Accepted events: a direct invoke whose payload is the request itself, or a Lambda
Function URL / API Gateway (REST v1, HTTP v2) proxy event whose body carries the same
JSON. Accepted payloads:
- `{"features": {name: number, ...}}` or `{"features": [30 numbers]}`: one row;
- `{"instances": [[30 numbers] | {name: number, ...}, ...]}`: a batch;
- `{name: number, ...}` with all 30 names: one row, the original sample's flat event;
- `{"action": "describe"}` (or GET over HTTP): what this function serves, no prediction.
"""

from __future__ import annotations

import base64
import binascii
import json
from array import array
from collections import namedtuple
from collections.abc import Callable
from enum import Enum

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .errors import (
    BatchTooLarge,
    DuplicateKey,
    EmptyBatch,
    InvalidJson,
    InvalidRow,
    MethodNotAllowed,
    PayloadTooLarge,
    UnknownEventShape,
    UnknownField,
)
from .features import FeatureSchema

SHAPES_HINT = ('expected {"features": {...} | [...]}, {"instances": [...]}, '
               'an object of all feature names, or {"action": "describe"}')


class Transport(Enum):
    DIRECT = "direct"
    HTTP = "http"


class Shape(Enum):
    FEATURES = "features"
    INSTANCES = "instances"
    FLAT = "flat"
    DESCRIBE = "describe"


# Plain named tuples: dataclasses would import `inspect` at every cold start.
Limits = namedtuple("Limits", "max_batch_rows max_request_bytes")
PredictionRequest = namedtuple("PredictionRequest", "shape values n_rows")


def transport_of(event: Any) -> Transport:
    """HTTP when the event is a proxy event (it has a requestContext and an HTTP method)."""
    if isinstance(event, dict) and isinstance(event.get("requestContext"), dict):
        if "httpMethod" in event or isinstance(event["requestContext"].get("http"), dict):
            return Transport.HTTP
    return Transport.DIRECT


# Bodies smaller than this parse faster in Python than the C call costs to set up.
FAST_PATH_MIN_BYTES = 4096
FastParser = Callable[[bytes, int], "tuple[array, int] | None"]


def parse_request(event: Any, transport: Transport, schema: FeatureSchema, limits: Limits,
                  fast_parser: FastParser | None = None) -> PredictionRequest:
    if transport is Transport.DIRECT:
        return parse_payload(event, schema, limits)
    body = _http_body(event, limits)
    if body is None:
        return PredictionRequest(Shape.DESCRIBE, array("d"), 0)
    if fast_parser is not None and len(body) >= FAST_PATH_MIN_BYTES:
        parsed = fast_parser(body if isinstance(body, bytes) else body.encode("utf-8"),
                             limits.max_batch_rows)
        if parsed is not None:
            return PredictionRequest(Shape.INSTANCES, *parsed)
    return parse_payload(_json(body), schema, limits)


def parse_payload(payload: Any, schema: FeatureSchema, limits: Limits) -> PredictionRequest:
    if isinstance(payload, dict) and len(payload) == 1:  # the common, well-formed requests
        if "features" in payload:
            return _single_row(payload["features"], Shape.FEATURES, schema)
        if "instances" in payload:
            return _batch(payload["instances"], schema, limits)
    if not isinstance(payload, dict):
        raise UnknownEventShape(f"the request must be a JSON object; {SHAPES_HINT}, "
                                f"got {type(payload).__name__}")
    if payload.get("action") == "describe" and len(payload) == 1:
        return PredictionRequest(Shape.DESCRIBE, array("d"), 0)
    if "features" in payload or "instances" in payload:
        key = "features" if "features" in payload else "instances"
        extra = sorted(k for k in payload if k != key)
        if extra:
            raise UnknownField(f"unexpected field(s) {extra} beside {key!r}; {SHAPES_HINT}",
                               fields=extra[:50])
        if key == "features":
            return _single_row(payload["features"], Shape.FEATURES, schema)
        return _batch(payload["instances"], schema, limits)
    if any(schema.knows(key) for key in payload):
        # The flat event; when some names are off the row check says which.
        return _single_row(payload, Shape.FLAT, schema)
    raise UnknownEventShape(f"unrecognised request with keys {sorted(map(str, payload))[:10]}; "
                            f"{SHAPES_HINT}")


def _single_row(row: Any, shape: Shape, schema: FeatureSchema) -> PredictionRequest:
    values = array("d")
    schema.append_row(values, row, 0)
    return PredictionRequest(shape, values, 1)


def _batch(rows: Any, schema: FeatureSchema, limits: Limits) -> PredictionRequest:
    if not isinstance(rows, list):
        raise InvalidRow(f'"instances" must be a list of rows, got {type(rows).__name__}')
    if not rows:
        raise EmptyBatch('"instances" is empty; send at least one row')
    if len(rows) > limits.max_batch_rows:
        raise BatchTooLarge(
            f'"instances" has {len(rows)} rows; the limit is {limits.max_batch_rows} per request',
            rows=len(rows), limit=limits.max_batch_rows,
        )
    values = array("d")
    for index, row in enumerate(rows):
        schema.append_row(values, row, index)
    return PredictionRequest(Shape.INSTANCES, values, len(rows))


def _http_body(event: dict[str, Any], limits: Limits) -> bytes | str | None:
    """The request body, decoded from base64 if need be; None for a describe (GET)."""
    method = event.get("httpMethod") or event["requestContext"].get("http", {}).get("method")
    if method == "GET":
        return None
    if method != "POST":
        raise MethodNotAllowed(f"use POST to predict or GET to describe the model, not {method}",
                               method=str(method))
    body = event.get("body")
    if body is None or body == "":
        raise InvalidJson("the request body is empty; send a JSON object")
    if not isinstance(body, str):
        raise InvalidJson("the request body must be a JSON text")
    # Refuse before decoding: base64 inflates by 4/3, so this bound holds either way.
    if len(body) > limits.max_request_bytes * 4 // 3 + 4:
        raise PayloadTooLarge(f"the request body is {len(body)} bytes; the limit is "
                              f"{limits.max_request_bytes}", limit=limits.max_request_bytes)
    raw: bytes | str = body
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidJson("the request body is marked base64 but is not valid base64") from None
    if len(raw) > limits.max_request_bytes:
        raise PayloadTooLarge(f"the request body is {len(raw)} bytes; the limit is "
                              f"{limits.max_request_bytes}", limit=limits.max_request_bytes)
    return raw


def _json(raw: bytes | str) -> Any:
    try:
        return json.loads(raw, object_pairs_hook=_refuse_duplicate_keys)
    except DuplicateKey:
        raise
    except (ValueError, RecursionError) as error:
        raise InvalidJson(f"the request body is not valid JSON: {_describe_json_error(error)}") \
            from None


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise DuplicateKey(f"the JSON object repeats the key {repeated!r}; each key once",
                           key=repeated)
    return result


def _describe_json_error(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply"
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(error)
