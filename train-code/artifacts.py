"""Write the artifacts serving reads: model, metadata, C source and parity file.

Every file is written deterministically (sorted keys, no timestamps, shortest exact float
text) so that retraining with the same options and libraries changes nothing on disk.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import tl2cgen
import treelite
import xgboost as xgb

from dataset import Splits
from model import TrainingParams, predict_benign

MODEL_FILE = "model.ubj"
METADATA_FILE = "metadata.json"
PARITY_FILE = "parity.csv"
C_SOURCE_DIR = "c"
C_SOURCE_FILES = ("header.h", "main.c")
# UCI's diagnosis codes, which the original sample answered with.
CLASS_CODES = {"malignant": "M", "benign": "B"}
SELF_CHECK_ROWS = 4
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Written:
    model_version: str
    model_sha256: str
    paths: list[Path]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def library_versions() -> dict[str, str]:
    packages = ("xgboost-cpu", "scikit-learn", "numpy", "treelite", "tl2cgen")
    return {"python": platform.python_version(), **{name: version(name) for name in packages}}


def export_c_source(booster: xgb.Booster, target: Path) -> None:
    """TL2cgen C source: architecture-independent, compiled per image architecture later."""
    with tempfile.TemporaryDirectory() as scratch:
        json_model = Path(scratch) / "model.json"
        booster.save_model(json_model)
        tree_model = treelite.frontend.load_xgboost_model(str(json_model))
        generated = Path(scratch) / "generated"
        tl2cgen.generate_c_code(tree_model, dirpath=generated, params={})
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(generated / "header.h", target / "header.h")
        main_c = (generated / "main.c").read_text(encoding="utf-8")
        (target / "main.c").write_text(intercept_first(main_c), encoding="utf-8")


_INTERCEPT = re.compile(r"\n  // Apply base_scores\n(  result\[0\] \+= [^\n]+;\n)")
_PREDICT_START = "void predict(union Entry* data, int pred_margin, float* result) {\n"


def intercept_first(main_c: str) -> str:
    """Add the intercept before the trees, not after: XGBoost's float32 summation order.

    TL2cgen adds base_score after summing the leaves; XGBoost starts from it. In float32
    the order changes the rounding, and over many trees the difference grows (5e-6 for
    1000 trees), beyond the parity tolerance. Starting from the intercept matches XGBoost.
    """
    match = _INTERCEPT.search(main_c)
    start = main_c.find(_PREDICT_START)
    if match is None or start < 0:
        raise RuntimeError("TL2cgen's generated predict() has an unexpected shape; "
                           "check the intercept handling before trusting the C model")
    without = main_c[: match.start()] + "\n" + main_c[match.end():]
    body = start + len(_PREDICT_START)
    return (without[:body] + "  // XGBoost's summation order: intercept first\n"
            + match.group(1) + without[body:])


def write_parity_file(path: Path, feature_names: list[str], x: np.ndarray,
                      probability: np.ndarray) -> None:
    """One row per input: 30 features then XGBoost's p(benign), as exact float text.

    A plain CSV so that the C parity checker can read it with scanf on any architecture.
    """
    lines = [",".join([*feature_names, "p_benign"])]
    for row, p in zip(x.tolist(), probability.tolist()):
        lines.append(",".join(repr(float(value)) for value in [*row, p]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_artifacts(output_dir: Path, booster: xgb.Booster, splits: Splits,
                    params: TrainingParams, metrics: dict[str, Any],
                    threshold: float) -> Written:
    output_dir.mkdir(parents=True, exist_ok=True)
    model_path = output_dir / MODEL_FILE
    booster.save_model(model_path)
    model_sha256 = sha256_of(model_path)
    model_version = f"breast-cancer-xgb-{model_sha256[:12]}"

    c_dir = output_dir / C_SOURCE_DIR
    export_c_source(booster, c_dir)

    probability = predict_benign(booster, splits.x_all)
    parity_path = output_dir / PARITY_FILE
    write_parity_file(parity_path, splits.feature_names, splits.x_all, probability)

    metadata = {
        "schema_version": SCHEMA_VERSION,
        "model_version": model_version,
        "model_file": MODEL_FILE,
        "model_sha256": model_sha256,
        "model_format": "xgboost-ubjson",
        "c_source": {name: sha256_of(c_dir / name) for name in C_SOURCE_FILES},
        "parity_file": PARITY_FILE,
        "parity_sha256": sha256_of(parity_path),
        "parity_rows": int(len(probability)),
        "feature_names": splits.feature_names,
        "class_names": splits.class_names,
        "class_codes": CLASS_CODES,
        "probability_of_class_index": 1,
        "threshold": threshold,
        "num_trees": booster.num_boosted_rounds(),
        "metrics": {"test": metrics},
        "training": {
            **params.as_dict(),
            "dataset": "sklearn.datasets.load_breast_cancer",
            "split": {"train": len(splits.y_train), "validation": len(splits.y_valid),
                      "test": len(splits.y_test), "stratified": True},
        },
        "library_versions": library_versions(),
        "self_check": {
            "rows": splits.x_all[:SELF_CHECK_ROWS].tolist(),
            "probabilities": probability[:SELF_CHECK_ROWS].tolist(),
        },
    }
    metadata_path = output_dir / METADATA_FILE
    metadata_path.write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\n",
                             encoding="utf-8")
    paths = [model_path, metadata_path, parity_path, *(c_dir / n for n in C_SOURCE_FILES)]
    return Written(model_version=model_version, model_sha256=model_sha256, paths=paths)
