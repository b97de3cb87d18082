"""Fit and score the booster.

Early stopping picks the best round on the validation set; the booster is then cut to
that round so the saved model, its C source and both serving engines hold the same trees.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import xgboost as xgb
from sklearn.metrics import accuracy_score, confusion_matrix, log_loss, roc_auc_score

from model_build.dataset import Splits
from model_build.parity_file import xgboost_outputs

OBJECTIVE = "binary:logistic"


@dataclass(frozen=True)
class TrainingParams:
    rounds: int
    max_depth: int
    eta: float
    early_stopping: int
    seed: int

    def xgboost_params(self) -> dict[str, Any]:
        return {
            "objective": OBJECTIVE,
            "eval_metric": "logloss",
            "max_depth": self.max_depth,
            "eta": self.eta,
            "seed": self.seed,
            "tree_method": "hist",
            # One thread keeps training bit-for-bit reproducible on any machine.
            "nthread": 1,
        }

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "xgboost": self.xgboost_params()}


def train_booster(splits: Splits, params: TrainingParams) -> xgb.Booster:
    names = splits.feature_names
    train = xgb.DMatrix(splits.x_train, label=splits.y_train, feature_names=names)
    valid = xgb.DMatrix(splits.x_valid, label=splits.y_valid, feature_names=names)
    booster = xgb.train(
        params.xgboost_params(),
        train,
        num_boost_round=params.rounds,
        evals=[(valid, "validation")],
        early_stopping_rounds=params.early_stopping or None,
        verbose_eval=False,
    )
    if params.early_stopping:
        booster = booster[: booster.best_iteration + 1]
    return booster


def evaluate(booster: xgb.Booster, x_test: np.ndarray, y_test: np.ndarray,
             threshold: float) -> dict[str, Any]:
    probability = xgboost_outputs(booster, OBJECTIVE, x_test)[:, 0]  # p(benign), class 1
    predicted = (probability >= threshold).astype(np.int64)
    return {
        "rows": len(y_test),
        "accuracy": round(float(accuracy_score(y_test, predicted)), 6),
        "roc_auc": round(float(roc_auc_score(y_test, probability)), 6),
        "log_loss": round(float(log_loss(y_test, probability, labels=[0, 1])), 6),
        "confusion_matrix": confusion_matrix(y_test, predicted, labels=[0, 1]).tolist(),
    }
