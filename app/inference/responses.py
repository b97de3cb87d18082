"""Results and errors out, as JSON text, in the event's kind of answer.

Direct invokes return the JSON document as bytes (the runtime passes bytes through
unchanged, so it is encoded once, here); Function URL and API Gateway events get an HTTP
response with a status and the same document as its body. Errors are mapped here, and only
here.

Probabilities are written with 9 decimals, p(benign) rounded half up and p(malignant) its
complement, so the two always sum to exactly 1. Large batches are written by the compiled
engine's C encoder, which produces the same bytes as `PredictionEncoder.python_predictions`.
"""

from __future__ import annotations

import json
import math
from array import array
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .errors import InternalError, ServiceError
from .predictor import Predictor
from .requests import Shape, Transport

JSON_HEADERS = {"Content-Type": "application/json"}
SCALE = 1_000_000_000
C_ENCODER_MIN_ROWS = 8
class PredictionEncoder:
    def __init__(self, predictor: Predictor) -> None:
        bundle = predictor.bundle
        negative, positive = bundle.class_names
        self._negative_json, self._positive_json = json.dumps(negative), json.dumps(positive)
        self._threshold = bundle.threshold
        self._codes = {0: bundle.class_codes[negative], 1: bundle.class_codes[positive]}
        self._c_encoder = getattr(predictor.engine, "encode_predictions", None)
        self._tail = (f',"model_version":{json.dumps(bundle.model_version)},'
                      f'"engine":{json.dumps(predictor.engine.name)}')
        probabilities = '"probabilities":{%s:%%d.%%09d,%s:%%d.%%09d}}' % (
            self._negative_json, self._positive_json)
        self._rows = ('{"label":%s,"class_index":0,%s' % (self._negative_json, probabilities),
                      '{"label":%s,"class_index":1,%s' % (self._positive_json, probabilities))

    def document(self, shape: Shape, probabilities: array) -> str:
        text = '{"predictions":' + self.predictions(probabilities) + self._tail
        if shape is Shape.FLAT:
            # Kept for callers of the original sample, which answered {"result": "M" | "B"}.
            text += ',"result":"%s"' % self._codes[int(probabilities[0] >= self._threshold)]
        return text + "}"

    def predictions(self, probabilities: array) -> str:
        if self._c_encoder is not None and len(probabilities) >= C_ENCODER_MIN_ROWS:
            return self._c_encoder(probabilities, self._threshold,
                                   self._negative_json.encode(), self._positive_json.encode())
        return self.python_predictions(probabilities)

    def python_predictions(self, probabilities: array) -> str:
        threshold, rows, parts = self._threshold, self._rows, []
        for p in probabilities:
            try:
                units = math.floor(p * 1e9 + 0.5)
            except (ValueError, OverflowError):  # NaN or infinite: as the C encoder refuses
                raise InternalError(f"a probability is not finite: {p!r}") from None
            units = 0 if units < 0 else SCALE if units > SCALE else units
            rest = SCALE - units
            parts.append(rows[p >= threshold] % (rest // SCALE, rest % SCALE,
                                                  units // SCALE, units % SCALE))
        return "[" + ",".join(parts) + "]"


def describe_document(predictor: Predictor) -> str:
    return json.dumps(predictor.describe(), separators=(",", ":"))


def error_document(error: ServiceError) -> str:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details:
        body["details"] = error.details
    return json.dumps({"error": body}, separators=(",", ":"))


def render(transport: Transport, status: int, document: str) -> bytes | dict[str, Any]:
    if transport is Transport.DIRECT:
        return document.encode("utf-8")
    return {"statusCode": status, "headers": JSON_HEADERS, "body": document,
            "isBase64Encoded": False}
