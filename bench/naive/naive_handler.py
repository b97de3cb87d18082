"""The naive way, as the original sample served the model: numpy array, DMatrix, predict.

The benchmark's baseline; not part of the application.
"""

import json
import os
from typing import Any

import numpy as np
import xgboost as xgb

BOOSTER = xgb.Booster(model_file=os.path.join(os.environ.get("LAMBDA_TASK_ROOT", "."),
                                              os.environ.get("MODEL_FILE", "model.ubj")))
FEATURES = BOOSTER.feature_names
BINARY = json.loads(BOOSTER.save_config())["learner"]["objective"]["name"] == "binary:logistic"


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    http = "requestContext" in event
    payload = json.loads(event["body"]) if http else event
    rows = payload["instances"] if "instances" in payload else [payload["features"]]
    matrix = xgb.DMatrix(np.array(rows, dtype=np.float64), feature_names=FEATURES)
    predictions: list[object] = []
    for p in BOOSTER.predict(matrix).tolist():
        if isinstance(p, list):  # an imported multiclass model: its class probabilities
            predictions.append({"probabilities": p})
            continue
        if not BINARY:  # an imported regression or ranking model: its value
            predictions.append({"value": p})
            continue
        predictions.append({"label": "benign" if p >= 0.5 else "malignant",
                            "class_index": int(p >= 0.5),
                            "probabilities": {"malignant": 1 - p, "benign": p}})
    body = {"predictions": predictions}
    if http:
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
                "body": json.dumps(body)}
    return body
