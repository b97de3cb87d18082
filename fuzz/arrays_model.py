"""A small model in the arrays layout for the `arrays` fuzz target: numeric splits with
learned default directions and categorical splits, so the walker's every path is reached.

    python -m fuzz.arrays_model OUT_DIR
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xgboost as xgb

from model_build.c_source import c_sources, write_c_source


def booster() -> xgb.Booster:
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.integers(0, 70, 1500), rng.normal(size=1500),
                         rng.integers(0, 6, 1500), rng.normal(size=1500)]).astype(float)
    hits = np.isin(x[:, 0], [3, 7, 40, 65]).astype(int) + (x[:, 1] > 0.3) + (x[:, 2] == 4)
    y = (hits > 1).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan
    matrix = xgb.DMatrix(x, label=y, feature_types=["c", "q", "c", "q"], enable_categorical=True)
    return xgb.train({"objective": "binary:logistic", "max_depth": 5, "max_cat_to_onehot": 1,
                      "seed": 0, "nthread": 1}, matrix, 20)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    files = c_sources(booster()).files["arrays"]
    if "{.categories = " not in files["main.c"]:
        raise SystemExit("the fuzz model has no categorical split: change its data")
    write_c_source(files, Path(argv[0]) / "c")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
