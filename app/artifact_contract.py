"""The model artifacts' contract: what training and import write, and what serving, the parity
checker, the compare tool and the dev tools read.

A file name, an output kind, a tolerance or a model's origin is spelled here once; the C parity
checker reads its tolerances from the file `parity_tolerances_text` writes. Standard library
only and cheap to import: the function imports it at every cold start (inference/bundle.py),
and commands import it before reading their arguments.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

# The artifacts, in one directory: `model` beside the handler in the function's task root, and
# so under app/ in a checkout.
MODEL_DIR_NAME = "model"
MODEL_FILE = "model.ubj"
METADATA_FILE = "metadata.json"
PARITY_FILE = "parity.csv"
PARITY_TOLERANCES_FILE = "parity_tolerances.txt"
C_SOURCE_DIR = "c"
# 3: model_source and the parity tolerances file. 2: any objective (objective, output_kind,
# outputs, num_class, missing values, aliases and class codes as data, parity criterion).
# The version 1 keys are still written.
SCHEMA_VERSION = 3

# What a model outputs per row (metadata's output_kind).
BINARY, MULTICLASS, REGRESSION, RANKING = "binary", "multiclass", "regression", "ranking"
# Several outputs per row: one per quantile alpha, or one per target of a multi-target model;
# each named in metadata's output_names.
QUANTILE, MULTI_TARGET = "quantile", "multi_target"
OUTPUT_KINDS = (BINARY, MULTICLASS, REGRESSION, RANKING, QUANTILE, MULTI_TARGET)
CLASSIFIERS = (BINARY, MULTICLASS)
NAMED_OUTPUTS = (QUANTILE, MULTI_TARGET)
# What each output value is (metadata's output_values).
PROBABILITY, MARGIN, LABEL, VALUE, SCORE = "probability", "margin", "label", "value", "score"

# Where the model came from: metadata[MODEL_SOURCE_KEY].
MODEL_SOURCE_KEY = "model_source"
TRAINED_DEMO = "trained-demo"  # train-code/train.py: the demo classifier
IMPORTED = "imported"  # a user's XGBoost JSON or UBJSON model (train-code/import_model.py)
CONVERTED = "converted"  # a user's model in XGBoost's legacy binary format, converted first
MODEL_SOURCES = (TRAINED_DEMO, IMPORTED, CONVERTED)

# How the compiled model's outputs must match XGBoost's on every parity row. Probabilities and
# 0/1 labels: |compiled - xgboost| <= ABSOLUTE_TOLERANCE. Margins, values and scores, whose
# scale is the model's: |compiled - xgboost| <= RELATIVE_TOLERANCE * max(1, |xgboost|), as
# float32 sums over many trees differ in their last bits.
ABSOLUTE, RELATIVE = "absolute", "relative"
ABSOLUTE_TOLERANCE = 1e-6
RELATIVE_TOLERANCE = 1e-5
RELATIVE_RULE = "|compiled - xgboost| <= tolerance * max(1, |xgboost|)"
_COMPARED_ABSOLUTELY = (PROBABILITY, LABEL)


def parity_criterion(output_values: str) -> tuple[str, float]:
    """How outputs of this kind of value are compared: (ABSOLUTE or RELATIVE, tolerance)."""
    if output_values in _COMPARED_ABSOLUTELY:
        return ABSOLUTE, ABSOLUTE_TOLERANCE
    return RELATIVE, RELATIVE_TOLERANCE


def within_tolerance(got: float, expected: float, output_values: str) -> bool:
    """Whether one output matches XGBoost's by the parity criterion of its kind of value."""
    compare, tolerance = parity_criterion(output_values)
    scale = 1.0 if compare == ABSOLUTE else max(1.0, abs(expected))
    return abs(got - expected) <= tolerance * scale


def parity_tolerances_text(columns: Sequence[str], output_values: str) -> str:
    """The file the C parity checker reads: one line per output column of the parity file,
    in column order, `absolute|relative tolerance column-name`; `#` lines are comments."""
    compare, tolerance = parity_criterion(output_values)
    lines = ["# How app/native/parity_check compares each output column of the parity file",
             f"# with XGBoost's value; relative: {RELATIVE_RULE}.",
             *(f"{compare} {tolerance!r} {column}" for column in columns)]
    return "\n".join(lines) + "\n"


def model_source(metadata: Mapping[str, Any]) -> str | None:
    """Where the model came from, as written; None for artifacts older than schema 3."""
    source = metadata.get(MODEL_SOURCE_KEY)
    return source if source in MODEL_SOURCES else None
