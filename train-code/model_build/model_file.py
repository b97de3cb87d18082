"""Read a user's XGBoost model file safely and say what it is.

Only XGBoost's own JSON and UBJSON formats are read, by XGBoost's parser; nothing is ever
unpickled (loading a pickle runs code the file chooses). Anything the compiled path cannot
serve exactly is refused here, with a message that says what was found and what to do.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xgboost as xgb

from model_build.objectives import (
    MULTI_TARGET,
    QUANTILE_OBJECTIVE,
    OutputSpec,
    output_spec,
    vector_leaves,
)

SAVE_HINT = "save it from XGBoost with booster.save_model('model.json') (or 'model.ubj')"
# UBJSON type markers that can follow the opening '{' of XGBoost's UBJSON document.
_UBJSON_MARKERS = frozenset(b"iUILlSHdDTFZN$#")


class ModelFileError(ValueError):
    """The file is not a model this project can import; the message says why."""


@dataclass(frozen=True)
class ModelInfo:
    """What the importer needs to know about a loaded booster."""

    booster: xgb.Booster
    file_format: str
    objective: str
    num_feature: int
    num_class: int
    feature_names: list[str] | None
    trees: list[dict[str, Any]]
    learner: dict[str, Any] = field(default_factory=dict)  # XGBoost's JSON of the model
    num_target: int = 1
    quantile_alphas: tuple[float, ...] = ()

    @property
    def spec(self) -> OutputSpec:
        return output_spec(self.objective, self.num_target)


def sniff_format(head: bytes) -> str:
    """'json' or 'ubjson' from the first bytes, or a ModelFileError naming what it looks like."""
    text = head.lstrip()
    if text[:1] == b"{":
        rest = text[1:].lstrip()
        if rest[:1] == b'"':
            return "json"
        if text[1:2] and text[1] in _UBJSON_MARKERS:
            return "ubjson"
    if head[:1] == b"\x80" or head[:2] in (b"cx", b"(d"):
        found = "a Python pickle (never loaded here: unpickling runs code)"
    elif head[:4] == b"binf" or head[:4] == b"\x00\x00\x00\x3f":
        found = "XGBoost's old binary format"
    elif head[:2] == b"PK":
        found = "a zip archive"
    elif not head:
        found = "empty"
    else:
        found = "not XGBoost JSON or UBJSON"
    raise ModelFileError(f"the model file is {found}: {SAVE_HINT}")


def load_model(path: Path) -> ModelInfo:
    if not path.is_file():
        raise ModelFileError(f"model file {path} not found (or not a file)")
    raw = path.read_bytes()
    file_format = sniff_format(raw[:64])
    booster = xgb.Booster()
    try:
        booster.load_model(bytearray(raw))
    except xgb.core.XGBoostError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "no detail"
        raise ModelFileError(f"XGBoost cannot read {path.name} as {file_format.upper()} "
                             f"({first_line}): {SAVE_HINT}") from error
    return describe(booster, file_format)


def describe(booster: xgb.Booster, file_format: str) -> ModelInfo:
    learner = json.loads(booster.save_raw("json"))["learner"]
    objective = learner["objective"]["name"]
    output_spec(objective)  # an objective the compiled model cannot reproduce is refused first
    params = learner["learner_model_param"]
    booster_kind = learner["gradient_booster"]["name"]
    if booster_kind == "gbtree":
        model = learner["gradient_booster"]["model"]
    elif booster_kind == "dart":
        model = learner["gradient_booster"]["gbtree"]["model"]
    else:
        raise ModelFileError(f"booster {booster_kind!r} is not served: only tree models "
                             "(gbtree, dart) compile to C")
    trees = model["trees"]
    refuse_unservable_trees(trees, learner.get("feature_types") or [], objective)
    num_target = int(params.get("num_target", "1"))
    alphas = served_targets(learner["objective"], num_target)
    num_class = int(params.get("num_class", "0"))
    names = learner.get("feature_names") or None
    return ModelInfo(booster=booster, file_format=file_format, objective=objective,
                     num_feature=int(params["num_feature"]), num_class=num_class,
                     feature_names=list(names) if names else None, trees=trees,
                     learner=learner, num_target=num_target, quantile_alphas=alphas)


def served_targets(objective: dict[str, Any], num_target: int) -> tuple[float, ...]:
    """The quantile alphas (one output each), or (); several targets only for regression.

    XGBoost keeps a quantile model's alphas in its objective (`[1E-1,5E-1,9E-1]`), one
    target each, ascending (it refuses others at training); its outputs come in that order.
    """
    name = objective["name"]
    if name != QUANTILE_OBJECTIVE:
        kind = output_spec(name, num_target).kind
        if num_target > 1 and kind != MULTI_TARGET:
            raise ModelFileError(f"the model has {num_target} targets with objective {name!r}: "
                                 f"several targets are served for regression objectives only, "
                                 f"not for a {kind} model (multi-label)")
        return ()
    text = str(objective.get("quantile_loss_param", {}).get("quantile_alpha", "")).strip()
    try:
        alphas = tuple(float(cell) for cell in text.strip("[]").split(","))
    except ValueError:
        alphas = ()
    if (len(alphas) != num_target or not all(0 < a < 1 for a in alphas)
            or any(a >= b for a, b in itertools.pairwise(alphas))):
        raise ModelFileError(f"objective {name!r}: quantile_alpha {text[:80]!r} is not "
                             f"{num_target} ascending value(s) between 0 and 1, one per target")
    return alphas


def refuse_unservable_trees(trees: list[dict[str, Any]], feature_types: list[str],
                            objective: str) -> None:
    if not trees:
        raise ModelFileError("the model has no trees: train it before exporting")
    leaf_sizes = {int(tree["tree_param"].get("size_leaf_vector", "1")) for tree in trees}
    if leaf_sizes - {0, 1}:
        raise ModelFileError(vector_leaves(objective))
