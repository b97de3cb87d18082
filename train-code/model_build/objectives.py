"""Which XGBoost objectives the compiled model reproduces, and what each one outputs.

TL2cgen compiles a model's trees and its objective's post-processing (treelite 4's
XGBoost frontend: sigmoid, softmax, exponential, hinge or identity). An objective is
served only when that post-processing gives XGBoost's own prediction; everything else is
refused at import, by name, rather than served wrongly.
"""

from __future__ import annotations

from dataclasses import dataclass

# Output kinds and values as the artifacts name them. A multi-target model is a multi-output
# regression trained with multi_strategy="one_output_per_tree" (one tree per target and round);
# the parity file names its output columns by the values they hold.
from artifact_contract import (
    BINARY,
    LABEL,
    MARGIN,
    MULTI_TARGET,
    MULTICLASS,
    PROBABILITY,
    QUANTILE,
    RANKING,
    REGRESSION,
    SCORE,
    VALUE,
)

QUANTILE_OBJECTIVE = "reg:quantileerror"


@dataclass(frozen=True)
class OutputSpec:
    """How an objective's predictions are read: kind of model, values, decision threshold."""

    kind: str
    values: str
    threshold: float | None = None


SUPPORTED: dict[str, OutputSpec] = {
    "binary:logistic": OutputSpec(BINARY, PROBABILITY, 0.5),
    # Raw margin: class 1 when the margin is above 0 (probability 0.5).
    "binary:logitraw": OutputSpec(BINARY, MARGIN, 0.0),
    # XGBoost predicts the class itself, 0 or 1.
    "binary:hinge": OutputSpec(BINARY, LABEL, 0.5),
    "multi:softprob": OutputSpec(MULTICLASS, PROBABILITY),
    # XGBoost predicts the class index; the compiled model gives the probabilities that
    # index is the arg-max of (XGBoost's softprob view of the same trees).
    "multi:softmax": OutputSpec(MULTICLASS, PROBABILITY),
    "reg:squarederror": OutputSpec(REGRESSION, VALUE),
    "reg:absoluteerror": OutputSpec(REGRESSION, VALUE),
    "reg:pseudohubererror": OutputSpec(REGRESSION, VALUE),
    "reg:squaredlogerror": OutputSpec(REGRESSION, VALUE),
    "reg:logistic": OutputSpec(REGRESSION, VALUE),
    "reg:gamma": OutputSpec(REGRESSION, VALUE),
    "reg:tweedie": OutputSpec(REGRESSION, VALUE),
    "count:poisson": OutputSpec(REGRESSION, VALUE),
    # One value per alpha, in the model's alpha order (XGBoost requires them ascending).
    QUANTILE_OBJECTIVE: OutputSpec(QUANTILE, VALUE),
    "rank:pairwise": OutputSpec(RANKING, SCORE),
    "rank:ndcg": OutputSpec(RANKING, SCORE),
    "rank:map": OutputSpec(RANKING, SCORE),
}

_WHY_NOT = {
    "survival:": "survival outputs (Cox hazard ratios, relative to a baseline hazard the "
                 "model file does not hold; AFT survival times) have no response shape and no "
                 "parity test here",
}


def vector_leaves(objective: str) -> str:
    """Why a model with vector leaves (one leaf value per target) is refused."""
    return (f"the model has vector leaves (objective {objective!r}, multi_strategy="
            "'multi_output_tree'): each leaf holds every target's value, which the compiled C "
            "does not walk; retrain with multi_strategy='one_output_per_tree' (one tree per "
            "target)")


class UnsupportedObjective(ValueError):
    """The model's objective cannot be compiled to give XGBoost's own predictions."""


def output_spec(objective: str, num_targets: int = 1) -> OutputSpec:
    """The objective's outputs; a regression objective with several targets gives a
    multi-target model (one value per target)."""
    spec = SUPPORTED.get(objective)
    if spec is not None:
        return (OutputSpec(MULTI_TARGET, VALUE) if num_targets > 1 and spec.kind == REGRESSION
                else spec)
    reason = next((why for prefix, why in _WHY_NOT.items() if objective.startswith(prefix)),
                  "the compiled model cannot reproduce its predictions")
    raise UnsupportedObjective(
        f"objective {objective!r} is not supported: {reason}. Supported: "
        + ", ".join(SUPPORTED))
