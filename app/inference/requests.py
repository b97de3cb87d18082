"""Request payloads in, typed prediction requests out.

The payload is the request itself: a direct invoke's event, or an HTTP request's body
(the adapter beside the handler, `envelopes.py`, takes it out of its envelope). Accepted:
- `{"features": {name: value, ...}}` or `{"features": [values]}`: one row;
- `{"instances": [[values] | {name: value, ...}, ...]}`: a batch;
- `{name: value, ...}` with every feature named: one row, the original sample's flat event;
- `{"action": "describe"}`: what this function serves, no prediction.
A value is a JSON number, or null for a missing value.
"""

from __future__ import annotations

import json
from array import array
from enum import Enum

from .errors import (
    BatchTooLarge,
    DuplicateKey,
    EmptyBatch,
    InvalidJson,
    InvalidRow,
    TooManyValues,
    UnknownEventShape,
    UnknownField,
    quoted,
)
from .features import FeatureSchema
from .json_codec import PYTHON_ONLY, JsonCodec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SHAPES_HINT = ('expected {"features": {...} | [...]}, {"instances": [...]}, '
               'an object of all feature names, or {"action": "describe"}')


class Shape(Enum):
    FEATURES = "features"
    INSTANCES = "instances"
    FLAT = "flat"
    DESCRIBE = "describe"


class Limits:
    """How much one request may hold."""

    __slots__ = ("max_batch_rows", "max_request_bytes")

    def __init__(self, max_batch_rows: int, max_request_bytes: int) -> None:
        self.max_batch_rows = max_batch_rows
        self.max_request_bytes = max_request_bytes


class PredictionRequest:
    """What to do: the shape asked for and its rows, flat and row-major (NaN: missing)."""

    __slots__ = ("n_rows", "shape", "values")

    def __init__(self, shape: Shape, values: array, n_rows: int) -> None:
        self.shape = shape
        self.values = values
        self.n_rows = n_rows


# Bodies smaller than this parse faster in Python than the C call costs to set up.
FAST_PATH_MIN_BYTES = 4096
# What a request needs beyond its rows' own arrays/objects and values: the structural limits
# checked before parsing (`_check_structure`) are a full batch plus this.
ENVELOPE_ITEMS = 64


def describe_request() -> PredictionRequest:
    return PredictionRequest(Shape.DESCRIBE, array("d"), 0)


def parse_body(body: bytes | str, schema: FeatureSchema, limits: Limits,
               codec: JsonCodec = PYTHON_ONLY) -> PredictionRequest:
    """An HTTP body (already taken out of its envelope): large plain batches through the
    codec's reader when it handles them, everything else through `parse_payload`."""
    if len(body) >= FAST_PATH_MIN_BYTES:
        try:
            encoded = body if isinstance(body, bytes) else body.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: only the Python path can say what
            encoded = b""
        parsed = (codec.parse_instances(encoded, schema.size, limits.max_batch_rows)
                  if encoded else None)
        if parsed is not None:
            return PredictionRequest(Shape.INSTANCES, *parsed)
    return parse_payload(read_json(body, schema, limits), schema, limits)


def read_json(body: bytes | str, schema: FeatureSchema, limits: Limits) -> Any:
    """A body's JSON, its structure bounded before parsing (another protocol's bodies too)."""
    _check_structure(body, schema, limits)
    return _json(body)


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
        return describe_request()
    if "features" in payload or "instances" in payload:
        key = "features" if "features" in payload else "instances"
        extra = sorted(k for k in payload if k != key)
        if extra:
            shown = ", ".join(quoted(k) for k in extra[:5])
            more = f" and {len(extra) - 5} more" if len(extra) > 5 else ""
            raise UnknownField(f"unexpected field(s) {shown}{more} beside {key!r}; "
                               f"{SHAPES_HINT}", fields=extra)
        if key == "features":
            return _single_row(payload["features"], Shape.FEATURES, schema)
        return _batch(payload["instances"], schema, limits)
    if any(schema.knows(key) for key in payload):
        # The flat event; when some names are off the row check says which.
        return _single_row(payload, Shape.FLAT, schema)
    shown = ", ".join(quoted(k) for k in sorted(map(str, payload))[:10])
    raise UnknownEventShape(f"unrecognised request with keys [{shown}]; {SHAPES_HINT}")


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


def _check_structure(body: bytes | str, schema: FeatureSchema, limits: Limits) -> None:
    """Refuse, before parsing, a body with more arrays/objects or values than a full batch:
    6 MB of `[[],[],...]` would otherwise become millions of Python objects (over 200 MB).
    Brackets and commas inside strings count too: upper bounds, which no request that could
    be answered reaches."""
    batch = f"a batch holds at most {limits.max_batch_rows} rows of {schema.size} features"
    max_containers = limits.max_batch_rows + ENVELOPE_ITEMS
    containers = _count(body, "[{")
    if containers > max_containers:
        raise TooManyValues(f"the request body holds {containers} arrays/objects, at most "
                            f"{max_containers} are accepted ({batch})",
                            containers=containers, limit=max_containers)
    max_values = limits.max_batch_rows * (schema.size + 1) + ENVELOPE_ITEMS
    values = _count(body, ",") + 1
    if values > max_values:
        raise TooManyValues(f"the request body holds {values} values, at most {max_values} "
                            f"are accepted ({batch})", values=values, limit=max_values)


def _count(body: bytes | str, characters: str) -> int:
    if isinstance(body, bytes):
        return sum(body.count(c.encode()) for c in characters)
    return sum(body.count(c) for c in characters)


def _json(raw: bytes | str) -> Any:
    try:
        # Decoded here, strictly: json.loads would guess UTF-16/32 for bytes and let encoded
        # surrogates through, which a text body can never carry.
        if isinstance(raw, bytes) and b"\x00" in raw[:4]:  # JSON text never holds a NUL
            raise InvalidJson("the request body is not UTF-8 text (UTF-16 or UTF-32?); "
                              "send it as UTF-8")
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except (DuplicateKey, InvalidJson):
        raise
    except (ValueError, RecursionError) as error:
        raise InvalidJson(f"the request body is not valid JSON: {_describe_json_error(error)}") \
            from None


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        repeated = ""
        for key, _ in pairs:
            if key in seen:
                repeated = key
                break
            seen.add(key)
        raise DuplicateKey(f"the JSON object repeats the key {quoted(repeated)}; each key once",
                           key=repeated)
    return result


def _describe_json_error(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply"
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(error)
