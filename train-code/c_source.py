"""The model's C source in either layout: architecture-independent, compiled per image later.

  ifelse  TL2cgen's nested if/else, a branch per node: the fastest C for small models.
  arrays  the trees as tables walked by app/native/predict_arrays.c (array_layout.py): for
          large models, whose if/else code overflows the instruction cache and takes gcc
          minutes to compile.
Both start from TL2cgen's source of the model, whose interface, intercepts and objective
transform they share.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import tl2cgen
import treelite
import xgboost as xgb

from array_layout import LayoutError, arrays_header_h, arrays_main_c, forest_from_booster
from native_messages import known_messages_left_out

C_SOURCE_FILES = ("header.h", "main.c")

_INTERCEPTS = re.compile(r"\n  // Apply base_scores\n((?:  result\[\d+\] \+= [^\n]+;\n)+)")
_PREDICT_START = "void predict(union Entry* data, int pred_margin, float* result) {\n"


@dataclass(frozen=True)
class CSources:
    """header.h and main.c per layout; a layout the model cannot have is in `refused`."""

    files: dict[str, dict[str, str]]
    refused: dict[str, str]
    num_nodes: int


def c_sources(booster: xgb.Booster) -> CSources:
    header, main_c = tl2cgen_source(booster)
    files = {"ifelse": {"header.h": header, "main.c": intercept_first(main_c)}}
    refused = {}
    try:
        forest = forest_from_booster(booster)
        files["arrays"] = {"header.h": arrays_header_h(header),
                           "main.c": arrays_main_c(main_c, intercepts(main_c), forest)}
        num_nodes = len(forest.nodes)
    except LayoutError as error:
        refused["arrays"] = str(error)
        num_nodes = -1
    return CSources(files=files, refused=refused, num_nodes=num_nodes)


def write_c_source(files: dict[str, str], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in C_SOURCE_FILES:
        (target / name).write_text(files[name], encoding="utf-8")


def export_c_source(booster: xgb.Booster, target: Path, layout: str = "ifelse") -> None:
    write_c_source(c_sources(booster).files[layout], target)


def tl2cgen_source(booster: xgb.Booster) -> tuple[str, str]:
    """TL2cgen's header.h and main.c, as it writes them."""
    with tempfile.TemporaryDirectory() as scratch:
        json_model = Path(scratch) / "model.json"
        booster.save_model(json_model)
        tree_model = treelite.frontend.load_xgboost_model(str(json_model))
        generated = Path(scratch) / "generated"
        with known_messages_left_out():  # TL2cgen's Treelite-version note: see there
            tl2cgen.generate_c_code(tree_model, dirpath=generated, params={})
        return ((generated / "header.h").read_text(encoding="utf-8"),
                (generated / "main.c").read_text(encoding="utf-8"))


def intercepts(main_c: str) -> str:
    """TL2cgen's `result[k] += base_score;` lines."""
    match = _INTERCEPTS.search(main_c)
    if match is None:
        raise RuntimeError("TL2cgen's generated predict() has an unexpected shape; "
                           "check the intercept handling before trusting the C model")
    return match.group(1)


def intercept_first(main_c: str) -> str:
    """Add the intercepts before the trees, not after: XGBoost's float32 summation order.

    TL2cgen adds base_score after summing the leaves; XGBoost starts from it (one intercept
    per class for multiclass models). In float32 the order changes the rounding, and over
    many trees the difference grows (5e-6 for 1000 trees), beyond the parity tolerance.
    Starting from the intercepts matches XGBoost.
    """
    lines = intercepts(main_c)
    match = _INTERCEPTS.search(main_c)
    start = main_c.find(_PREDICT_START)
    if match is None or start < 0:
        raise RuntimeError("TL2cgen's generated predict() has an unexpected shape; "
                           "check the intercept handling before trusting the C model")
    without = main_c[: match.start()] + "\n" + main_c[match.end():]
    body = start + len(_PREDICT_START)
    return (without[:body] + "  // XGBoost's summation order: intercept first\n"
            + lines + without[body:])
