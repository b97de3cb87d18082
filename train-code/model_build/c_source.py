"""The model's C source in either layout: architecture-independent, compiled per image later.

  ifelse  TL2cgen's nested if/else, a branch per node: the fastest C for small models.
  arrays  the trees as tables walked by app/native/predict_arrays.c (array_layout.py): for
          large models, whose if/else code overflows the instruction cache and takes gcc
          minutes to compile.
Both start from TL2cgen's source of the model, whose interface, intercepts and objective
transform they share.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tl2cgen
import treelite
import xgboost as xgb

from model_build.array_layout import (
    LayoutError,
    arrays_header_h,
    arrays_main_c,
    forest_from_booster,
)
from model_build.native_messages import known_messages_left_out

C_SOURCE_FILES = ("header.h", "main.c")

_INTERCEPTS = re.compile(r"\n  // Apply base_scores\n((?:  result\[\d+\] \+= [^\n]+;\n)+)")
_PREDICT_START = "void predict(union Entry* data, int pred_margin, float* result) {\n"
# TL2cgen's categorical test casts the value to unsigned int before checking its range: a
# negative or huge value is undefined behaviour in C. Rewritten to cast only in [0, 2^24),
# XGBoost's own range of categories (common/categorical.h: InvalidCat).
_CATEGORY_CAST = re.compile(
    r"\(tmp = \(unsigned int\)\((data\[\d+\]\.fvalue)\) \), \(\(\1 >= 0\) && "
    r"\(fabsf\(\1\) <= \(float\)\(1U << FLT_MANT_DIG\)\) && ")
_SAFE_CAST = re.compile(r"\(tmp = \(unsigned int\)\(data\[\d+\]\.fvalue\), 1\)")
_INTERCEPT_LINE = re.compile(r"  result\[(\d+)\] \+= ([^;\n]+);\n")
# XGBoost keeps base_score as an output (a probability, a mean); the trees add to its margin.
_LOGIT_LINK = frozenset(("reg:logistic",))
_LOG_LINK = frozenset(("count:poisson", "reg:gamma", "reg:tweedie"))
_IDENTITY_POSTPROCESS = "void postprocess(float* result) {\n  // Do nothing\n}\n"
_SORTED_POSTPROCESS = """void postprocess(float* result) {
  // XGBoost's quantile prediction: the row's quantiles in ascending order (insertion sort)
  for (int i = 1; i < N_TARGET; ++i) {
    const float value = result[i];
    int j = i - 1;
    for (; j >= 0 && result[j] > value; --j) result[j + 1] = result[j];
    result[j + 1] = value;
  }
}
"""


@dataclass(frozen=True)
class CSources:
    """header.h and main.c per layout; a layout the model cannot have is in `refused`."""

    files: dict[str, dict[str, str]]
    refused: dict[str, str]
    num_nodes: int


def c_sources(booster: xgb.Booster) -> CSources:
    header, main_c = tl2cgen_source(booster)
    main_c = safe_category_casts(main_c)
    main_c = with_target_outputs(main_c, booster)
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
        json_model.write_text(json.dumps(without_category_names(booster)), encoding="utf-8")
        tree_model = treelite.frontend.load_xgboost_model(str(json_model))
        generated = Path(scratch) / "generated"
        with known_messages_left_out():  # TL2cgen's Treelite-version note: see there
            tl2cgen.generate_c_code(tree_model, dirpath=generated, params={})
        return ((generated / "header.h").read_text(encoding="utf-8"),
                (generated / "main.c").read_text(encoding="utf-8"))


def without_category_names(booster: xgb.Booster) -> dict[str, Any]:
    """The model's JSON without its category names (XGBoost 3.1+), which Treelite refuses;
    the trees split on category codes, which stay as they are."""
    document: dict[str, Any] = json.loads(booster.save_raw("json"))
    gradient_booster = document["learner"]["gradient_booster"]
    model = gradient_booster.get("gbtree", gradient_booster)["model"]
    if "cats" in model:
        model["cats"] = {"enc": [], "feature_segments": [], "sorted_idx": []}
    return document


def safe_category_casts(main_c: str) -> str:
    """TL2cgen's categorical tests with the cast after the range check (see _CATEGORY_CAST);
    a value outside [0, 2^24) goes left, as in XGBoost."""
    safe = _CATEGORY_CAST.sub(
        r"((\1 >= 0) && (\1 < (float)(1U << FLT_MANT_DIG)) && "
        r"(tmp = (unsigned int)(\1), 1) && ", main_c)
    if safe.count("(unsigned int)(") != len(_SAFE_CAST.findall(safe)):
        raise RuntimeError("TL2cgen's categorical test has an unexpected shape; check its casts "
                           "before trusting the C model")
    return safe
def with_target_outputs(main_c: str, booster: xgb.Booster) -> str:
    """TL2cgen's main.c made to give XGBoost's outputs for a model with several targets.

    XGBoost starts each target (quantile alpha, regression target) from its own base_score;
    TL2cgen 1.0 writes the first target's for all of them. The margins are computed here as
    XGBoost computes them (float32, through the objective's link), checked against TL2cgen's
    first line, and written in its place. A quantile model's prediction is, in XGBoost 3, each
    row's quantiles sorted ascending (so they never cross); TL2cgen does not sort, so the
    postprocessor here does. The parity gate then checks every output.
    """
    learner = json.loads(booster.save_raw("json"))["learner"]
    params, objective = learner["learner_model_param"], learner["objective"]["name"]
    num_target = int(params.get("num_target", "1"))
    if num_target <= 1:
        return main_c
    margins = _target_margins(params["base_score"], objective, num_target)
    block = intercepts(main_c)
    written = [(int(k), float(v)) for k, v in _INTERCEPT_LINE.findall(block)]
    if ([k for k, _ in written] != list(range(num_target))
            or not math.isclose(written[0][1], margins[0], rel_tol=1e-6, abs_tol=1e-6)):
        raise RuntimeError(f"TL2cgen's intercepts {written[:4]} do not fit XGBoost's "
                           f"{margins[:4]}: check the intercept handling")
    lines = "".join(f"  result[{k}] += {margin!r};\n" for k, margin in enumerate(margins))
    main_c = main_c.replace(block, lines, 1)
    if objective != "reg:quantileerror":
        return main_c
    if _IDENTITY_POSTPROCESS not in main_c:
        raise RuntimeError("TL2cgen's postprocess() of a quantile model has an unexpected "
                           "shape; check the quantile handling")
    return main_c.replace(_IDENTITY_POSTPROCESS, _SORTED_POSTPROCESS, 1)


def _target_margins(base_score: str, objective: str, num_target: int) -> list[float]:
    values = np.array([float(cell) for cell in base_score.strip("[]").split(",")],
                      dtype=np.float32)
    values = np.broadcast_to(values, (num_target,)) if values.size == 1 else values
    if objective in _LOGIT_LINK:
        values = -np.log(np.float32(1) / values - np.float32(1))
    elif objective in _LOG_LINK:
        values = np.log(values)
    return [float(value) for value in values.astype(np.float32)]


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
