"""TL2cgen C source for a booster: architecture-independent, compiled per image later."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import tl2cgen
import treelite
import xgboost as xgb

C_SOURCE_FILES = ("header.h", "main.c")

_INTERCEPTS = re.compile(r"\n  // Apply base_scores\n((?:  result\[\d+\] \+= [^\n]+;\n)+)")
_PREDICT_START = "void predict(union Entry* data, int pred_margin, float* result) {\n"


def export_c_source(booster: xgb.Booster, target: Path) -> None:
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


def intercept_first(main_c: str) -> str:
    """Add the intercepts before the trees, not after: XGBoost's float32 summation order.

    TL2cgen adds base_score after summing the leaves; XGBoost starts from it (one intercept
    per class for multiclass models). In float32 the order changes the rounding, and over
    many trees the difference grows (5e-6 for 1000 trees), beyond the parity tolerance.
    Starting from the intercepts matches XGBoost.
    """
    match = _INTERCEPTS.search(main_c)
    start = main_c.find(_PREDICT_START)
    if match is None or start < 0:
        raise RuntimeError("TL2cgen's generated predict() has an unexpected shape; "
                           "check the intercept handling before trusting the C model")
    without = main_c[: match.start()] + "\n" + main_c[match.end():]
    body = start + len(_PREDICT_START)
    return (without[:body] + "  // XGBoost's summation order: intercept first\n"
            + match.group(1) + without[body:])
