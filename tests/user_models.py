"""Small XGBoost models of every supported objective, trained as a user would train theirs.

Data come from scikit-learn's bundled sets (no download) or are synthetic; every model is
saved in XGBoost's own JSON or UBJSON format, the files `make model MODEL=…` imports.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import xgboost as xgb
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine

Data = tuple[np.ndarray, np.ndarray, list[int] | None]


def breast_cancer_with_missing(seed: int = 0) -> Data:
    """Breast cancer with 10% of the values knocked out: the model learns default directions."""
    x, y = load_breast_cancer(return_X_y=True)
    x = x.copy()
    x[np.random.default_rng(seed).random(x.shape) < 0.1] = np.nan
    return x, y, None


def diabetes(scale: float = 1.0) -> Data:
    x, y = load_diabetes(return_X_y=True)
    return x, y / scale, None


def ranking(binary: bool = False, seed: int = 0) -> Data:
    """Synthetic queries of 20 documents; relevance 0..3 (or 0/1) from a noisy linear score."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, 6))
    score = x @ np.array([1.0, -0.5, 0.3, 0.0, 0.8, 0.2]) + rng.normal(scale=0.3, size=400)
    relevance = np.digitize(score, [0.0] if binary else [-0.5, 0.5, 1.5])
    return x, relevance.astype(float), [20] * 20


def classes(loader: Callable[..., tuple[np.ndarray, np.ndarray]]) -> Callable[[], Data]:
    def data() -> Data:
        x, y = loader(return_X_y=True)
        return x, y, None
    return data


# objective -> (data, extra parameters)
OBJECTIVES: dict[str, tuple[Callable[[], Data], dict[str, object]]] = {
    "binary:logistic": (breast_cancer_with_missing, {}),
    "binary:logitraw": (breast_cancer_with_missing, {}),
    "binary:hinge": (breast_cancer_with_missing, {}),
    "multi:softprob": (classes(load_iris), {"num_class": 3}),
    "multi:softmax": (classes(load_wine), {"num_class": 3}),
    "reg:squarederror": (diabetes, {}),
    "reg:absoluteerror": (diabetes, {}),
    "reg:pseudohubererror": (lambda: diabetes(100.0), {}),
    "reg:squaredlogerror": (lambda: diabetes(100.0), {}),
    "reg:logistic": (breast_cancer_with_missing, {}),
    "reg:gamma": (lambda: diabetes(100.0), {}),
    "reg:tweedie": (lambda: diabetes(100.0), {}),
    "count:poisson": (lambda: diabetes(10.0), {}),
    "rank:pairwise": (ranking, {}),
    "rank:ndcg": (ranking, {}),
    "rank:map": (lambda: ranking(binary=True), {}),
}


def train(objective: str, rounds: int = 12, max_depth: int = 3,
          data: Callable[[], Data] | None = None, **params: object) -> xgb.Booster:
    default_data, extra = OBJECTIVES.get(objective, (diabetes, {}))
    x, y, groups = (data or default_data)()
    matrix = xgb.DMatrix(x, label=y)
    if groups is not None:
        matrix.set_group(groups)
    settings = {"objective": objective, "max_depth": max_depth, "eta": 0.3, "seed": 0,
                "nthread": 1, **extra, **params}
    return xgb.train(settings, matrix, num_boost_round=rounds)


def save(booster: xgb.Booster, directory: Path, name: str, ubjson: bool = False) -> Path:
    path = directory / (name.replace(":", "_") + (".ubj" if ubjson else ".json"))
    booster.save_model(path)
    return path
