"""Results and errors out, in the event's kind of answer.

Direct invokes get the JSON object itself; Function URL and API Gateway events get an
HTTP response with a status and a JSON body. Errors are mapped here, and only here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .errors import RequestError
from .predictor import Predictor
from .requests import Shape, Transport

JSON_HEADERS = {"Content-Type": "application/json"}


def prediction_body(shape: Shape, probabilities: Sequence[float],
                    predictor: Predictor) -> dict[str, Any]:
    predictions = []
    for probability in probabilities:
        row = predictor.label(probability)
        predictions.append({"label": row.label, "class_index": row.class_index,
                            "probabilities": row.probabilities})
    body: dict[str, Any] = {
        "predictions": predictions,
        "model_version": predictor.bundle.model_version,
        "engine": predictor.engine.name,
    }
    if shape is Shape.FLAT:
        # Kept for callers of the original sample, which answered {"result": "M" | "B"}.
        body["result"] = predictor.bundle.class_codes[predictions[0]["label"]]
    return body


def error_body(error: RequestError) -> dict[str, Any]:
    return {"error": {"code": error.code, "message": error.message, **_details(error)}}


def _details(error: RequestError) -> dict[str, Any]:
    return {"details": error.details} if error.details else {}


def render(transport: Transport, status: int, body: dict[str, Any]) -> dict[str, Any]:
    if transport is Transport.DIRECT:
        return body
    return {
        "statusCode": status,
        "headers": JSON_HEADERS,
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }
