"""SageMaker's XGBoost container conventions: `text/csv` rows in, CSV or JSON answers out.

A `Content-Type: text/csv` body holds one row per line, the model's features in order, no
header; an empty field is a missing value. The answer follows `Accept`, as the container's:

| Accept | answer (one score per row) |
| --- | --- |
| `text/csv` (or absent, `*/*`) | the scores joined by commas; several outputs: a line per row |
| `application/json` | `{"predictions":[{"score":0.97},...]}` |
| `application/jsonlines` | `{"score":0.97}` and a newline per row |

A score is the model's output exactly as XGBoost's `predict` gives it: p(class 1) for a
binary classifier, the margin or the 0/1 label for the other binary objectives, the list of
class probabilities for multiclass, the value for regression and ranking, the list of a
row's quantiles (one per alpha) or target values for quantile and multi-target models.
"""

from __future__ import annotations

import math
from array import array

from ..errors import (
    BatchTooLarge,
    EmptyBatch,
    InvalidFeatureCount,
    InvalidJson,
    NonFiniteValue,
    NotAcceptable,
    NotANumber,
    ServiceError,
)
from ..features import FeatureSchema
from ..predictor import Predictor
from ..requests import Limits
from ..responses import error_document, number
from . import CSV, Answer, HttpRequest, media_type

ACCEPTED = (CSV, "application/json", "application/jsonlines")
_NAN = float("nan")


class SageMakerCsv:
    def __init__(self, predictor: Predictor, schema: FeatureSchema, limits: Limits) -> None:
        self._predictor = predictor
        self._schema = schema
        self._limits = limits
        self._width = predictor.bundle.num_outputs

    def answer(self, request: HttpRequest) -> Answer:
        accept = answer_type(request.headers.get("accept"))
        values, n_rows = read_csv(request.body, self._schema, self._limits)
        outputs = self._predictor.predict(values, n_rows)
        scores = self._scores(outputs)
        if accept == CSV:
            return Answer(200, ("\n" if self._width > 1 else ",").join(scores), CSV,
                          rows=n_rows)
        if self._width > 1:
            scores = [f"[{score}]" for score in scores]
        if accept == "application/json":
            body = '{"predictions":[' + ",".join(f'{{"score":{s}}}' for s in scores) + "]}"
        else:
            body = "".join(f'{{"score":{s}}}\n' for s in scores)
        return Answer(200, body, accept, rows=n_rows)

    @staticmethod
    def error_document(error: ServiceError) -> str:
        """Our own error document: SageMaker's container answers a bare message."""
        return error_document(error)

    def _scores(self, outputs: array) -> list[str]:
        """Each row's score as text: a number, or for multiclass its probabilities joined."""
        width = self._width
        if width == 1:
            return list(map(number, outputs))
        return [",".join(map(number, outputs[start:start + width]))
                for start in range(0, len(outputs), width)]


def answer_type(accept: str | None) -> str:
    """The first type of `Accept` that we write; CSV when it names none in particular."""
    if not accept:
        return CSV
    for part in accept.split(","):
        kind = media_type(part)
        if kind in ACCEPTED:
            return kind
        if kind in ("*/*", "text/*", "application/*"):
            return CSV if kind != "application/*" else "application/json"
    raise NotAcceptable(f"Accept {accept[:100]!r} names no type this function writes; use "
                        f"{', '.join(ACCEPTED)}", accepted=list(ACCEPTED))


def read_csv(body: bytes | str | None, schema: FeatureSchema, limits: Limits
             ) -> tuple[array, int]:
    """Rows of comma-separated numbers, one per line; an empty field is missing (NaN)."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidJson("the CSV body is not UTF-8 text") from None
    text = (body or "").strip()
    if not text:
        raise EmptyBatch("the CSV body is empty; send one row per line")
    n_rows = text.count("\n") + 1
    if n_rows > limits.max_batch_rows:
        raise BatchTooLarge(f"the CSV body has {n_rows} lines; the limit is "
                            f"{limits.max_batch_rows} rows per request", rows=n_rows,
                            limit=limits.max_batch_rows)
    width = schema.size
    values = array("d")
    for index, line in enumerate(text.split("\n")):
        fields = line.rstrip("\r").split(",")
        if len(fields) != width:
            raise InvalidFeatureCount(f"CSV line {index + 1} has {len(fields)} fields, the "
                                      f"model takes {width} (no header, one row per line)",
                                      row=index, expected=width, received=len(fields))
        try:
            row = array("d", map(float, fields))
        except ValueError:
            row = array("d", [_field(field, index, position, schema)
                              for position, field in enumerate(fields)])
        if not math.isfinite(sum(row)):
            _check_finite(row, fields, index, schema)
        values.extend(row)
    return values, n_rows


def _field(field: str, row: int, position: int, schema: FeatureSchema) -> float:
    text = field.strip()
    if not text:
        return _NAN
    try:
        return float(text)
    except ValueError:
        feature = schema.feature_names[position]
        raise NotANumber(f"CSV line {row + 1} field {position + 1} ({feature!r}) must be a "
                         f"number or empty (missing), got {text[:40]!r}", row=row,
                         feature=feature) from None


def _check_finite(row: array, fields: list[str], index: int, schema: FeatureSchema) -> None:
    """NaN only where the field was empty: `nan` or `inf` written out is refused."""
    for position, value in enumerate(row):
        if not math.isfinite(value) and fields[position].strip():
            feature = schema.feature_names[position]
            raise NonFiniteValue(f"CSV line {index + 1} field {position + 1} ({feature!r}) "
                                 f"must be finite, got {fields[position].strip()[:40]!r}",
                                 row=index, feature=feature)
