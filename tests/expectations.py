"""What a correct answer to an event is: used by the handler and the local-runtime tests."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

METADATA = Path(__file__).resolve().parent.parent / "app" / "model" / "metadata.json"


def uci_name(name: str) -> str:
    """The demo's UCI alias of a feature, as its metadata gives it."""
    return json.loads(METADATA.read_text())["feature_aliases"]["uci"][name]


def rows_sent(event: dict[str, Any]) -> list[Any]:
    payload = event
    if "requestContext" in event:
        body = event["body"]
        payload = json.loads(base64.b64decode(body) if event.get("isBase64Encoded") else body)
    if "instances" in payload:
        return payload["instances"]
    if "features" in payload:
        return [payload["features"]]
    return [payload]


def as_vector(row: Any, feature_names: list[str]) -> list[float]:
    if isinstance(row, list):
        return row
    return [row[name] if name in row else row[uci_name(name)] for name in feature_names]


def assert_answers_like_xgboost(event: dict[str, Any], body: dict[str, Any], booster: Any,
                                feature_names: list[str]) -> None:
    rows = np.array([as_vector(r, feature_names) for r in rows_sent(event)])
    expected = booster.inplace_predict(rows, validate_features=False)
    assert len(body["predictions"]) == len(rows)
    for prediction, p_benign in zip(body["predictions"], expected, strict=True):
        probs = prediction["probabilities"]
        assert set(probs) == {"malignant", "benign"}
        assert abs(probs["benign"] - float(p_benign)) <= 1e-6
        assert math.isclose(probs["malignant"] + probs["benign"], 1.0, abs_tol=1e-15)
        expected_label = "benign" if p_benign >= 0.5 else "malignant"
        assert prediction["label"] == expected_label
        assert prediction["class_index"] == (1 if expected_label == "benign" else 0)
