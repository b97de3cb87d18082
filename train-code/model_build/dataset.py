"""The breast-cancer data, split the same way every time.

The data ships inside scikit-learn, so training never downloads anything.
Class 0 is 'malignant' and class 1 is 'benign', exactly as scikit-learn defines them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

# UCI's diagnosis codes, which the original sample answered with in a `result` field.
CLASS_CODES = {"malignant": "M", "benign": "B"}
FLAT_RESULT_FIELD = "result"
_UCI_SUFFIX = {"mean": "mean", "error": "se", "worst": "worst"}
TEST_FRACTION = 0.2
VALID_FRACTION_OF_REST = 0.2


@dataclass(frozen=True)
class Splits:
    feature_names: list[str]
    class_names: list[str]
    x_all: np.ndarray
    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_splits(seed: int) -> Splits:
    """Stratified train / validation / test split, fixed by the seed."""
    data = load_breast_cancer()
    x, y = np.asarray(data.data, dtype=np.float64), np.asarray(data.target, dtype=np.int64)
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, stratify=y, random_state=seed
    )
    x_train, x_valid, y_train, y_valid = train_test_split(
        x_rest, y_rest, test_size=VALID_FRACTION_OF_REST, stratify=y_rest, random_state=seed
    )
    return Splits(
        feature_names=[str(name) for name in data.feature_names],
        class_names=[str(name) for name in data.target_names],
        x_all=x,
        x_train=x_train,
        y_train=y_train,
        x_valid=x_valid,
        y_valid=y_valid,
        x_test=x_test,
        y_test=y_test,
    )


def uci_name(sklearn_name: str) -> str:
    """The UCI data file's column name, which the original sample's callers use.

    `mean concave points` -> `concave points_mean`, `fractal dimension error` ->
    `fractal_dimension_se`: the UCI file spells every base with underscores except
    `concave points`.
    """
    if sklearn_name.endswith(" error"):
        base, kind = sklearn_name[: -len(" error")], "error"
    else:
        kind, _, base = sklearn_name.partition(" ")
        if kind not in ("mean", "worst"):
            raise ValueError(f"not a breast-cancer feature name: {sklearn_name!r}")
    uci_base = base if base == "concave points" else base.replace(" ", "_")
    return f"{uci_base}_{_UCI_SUFFIX[kind]}"
