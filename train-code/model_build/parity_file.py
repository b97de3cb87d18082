"""XGBoost's own outputs for the parity rows, and the parity file the C checker reads.

The file is a plain CSV so the checker can read it with strtod on any architecture: a
header (the feature names, then one column per model output), then per row the features
and XGBoost's outputs as exact float text, `nan` for a missing value. Output columns are
named by what they hold: `p_<class>` probabilities, `label` classes, `margin`, `value` and
`score`, `quantile_<alpha>` (one per alpha) and `value_<target>` (one per target of a
multi-target model). How the checker compares each column is not read from its name but from
the tolerances file written beside it (artifact_contract.parity_tolerances_text).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import xgboost as xgb

from artifact_contract import PARITY_TOLERANCES_FILE, parity_tolerances_text
from model_build.objectives import (
    LABEL,
    MARGIN,
    MULTI_TARGET,
    MULTICLASS,
    PROBABILITY,
    QUANTILE,
    SCORE,
    VALUE,
    OutputSpec,
)

_UNSAFE = re.compile(r'[,"\r\n]')


def xgboost_outputs(booster: xgb.Booster, objective: str, x: np.ndarray) -> np.ndarray:
    """XGBoost's prediction for every row, one column per output; NaN is missing.

    multi:softmax predicts the class index; the compiled model gives the class
    probabilities, so they are compared with XGBoost's softprob view of the same trees.
    """
    if objective == "multi:softmax":
        booster = booster.copy()
        booster.set_param({"objective": "multi:softprob"})
    predicted = booster.inplace_predict(x, validate_features=False, missing=np.nan)
    return np.asarray(predicted, dtype=np.float64).reshape(len(x), -1)


def output_columns(spec: OutputSpec, class_names: list[str],
                   output_names: list[str] | None = None) -> list[str]:
    if spec.kind in (QUANTILE, MULTI_TARGET):
        prefix = "quantile_" if spec.kind == QUANTILE else "value_"
        return [prefix + _UNSAFE.sub("_", name) for name in output_names or []]
    if spec.values == PROBABILITY:
        named = class_names[1:] if spec.kind != MULTICLASS else class_names
        return ["p_" + _UNSAFE.sub("_", name) for name in named]
    return [{LABEL: "label", MARGIN: "margin", VALUE: "value", SCORE: "score"}[spec.values]]


def write_parity_file(path: Path, feature_names: list[str], x: np.ndarray,
                      outputs: np.ndarray, columns: list[str], output_values: str) -> Path:
    """The parity file at `path`, and beside it the tolerances its output columns are checked
    with (outputs that are `output_values`); returns the tolerances file's path."""
    header = [_UNSAFE.sub("_", name) for name in feature_names] + columns
    lines = [",".join(header)]
    for row, out in zip(x.tolist(), outputs.tolist(), strict=True):
        lines.append(",".join(repr(float(value)) for value in [*row, *out]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tolerances = path.with_name(PARITY_TOLERANCES_FILE)
    tolerances.write_text(parity_tolerances_text(columns, output_values), encoding="utf-8")
    return tolerances


_MISSING_CELLS = frozenset(("", "nan", "na", "null", "none"))


class SampleError(ValueError):
    """The SAMPLE file cannot be read as rows of the model's features."""


def read_sample(path: Path, feature_names: list[str]) -> np.ndarray:
    """Rows from a CSV, by position or by header names in any order; empty/nan/null is missing."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SampleError(f"sample file {path} cannot be read as UTF-8 text ({error})") from error
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise SampleError(f"sample file {path} has no rows")
    cells = [[cell.strip() for cell in line.split(",")] for line in lines]
    order = list(range(len(feature_names)))
    if not all(_is_number(cell) for cell in cells[0]):
        header, cells = cells[0], cells[1:]
        unknown = [name for name in header if name not in feature_names]
        absent = [name for name in feature_names if name not in header]
        if unknown or absent:
            raise SampleError(f"sample file {path}: header names {unknown[:5]} are not model "
                              f"features and features {absent[:5]} are not in the header")
        order = [header.index(name) for name in feature_names]
    rows = []
    for number, row in enumerate(cells, start=1):
        if len(row) != len(feature_names):
            raise SampleError(f"sample file {path}: row {number} has {len(row)} values, the "
                              f"model takes {len(feature_names)}")
        if not all(_is_number(cell) for cell in row):
            raise SampleError(f"sample file {path}: row {number} has a value that is not a "
                              "number (empty, nan or null mean missing)")
        rows.append([_number(row[i]) for i in order])
    if not rows:
        raise SampleError(f"sample file {path} has a header but no rows")
    return np.asarray(rows, dtype=np.float64)


def _is_number(cell: str) -> bool:
    if cell.lower() in _MISSING_CELLS:
        return True
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _number(cell: str) -> float:
    return float("nan") if cell.lower() in _MISSING_CELLS else float(cell)
