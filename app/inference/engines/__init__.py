"""Prediction engines: one module per engine behind the same small face.

An engine turns a flat, row-major buffer of float64 features into the probability of
class index 1 per row. It is chosen once, at init, by name.
"""

from __future__ import annotations

from ..bundle import ModelBundle
from ..settings import Settings

TYPE_CHECKING = False
if TYPE_CHECKING:  # the protocols are for readers and type checkers; typing costs a cold start
    from array import array
    from typing import Protocol
else:
    Protocol = object


class Engine(Protocol):
    name: str

    def predict_positive(self, values: array, n_rows: int) -> array:
        """p(class 1) for `n_rows` rows packed in `values` (array of 'd', row-major)."""
        ...

    def versions(self) -> dict[str, str]:
        """Library versions this engine runs on, for provenance."""
        ...


class JsonFastPath(Protocol):
    """Optional: an engine that can also read a batch body and write predictions in C."""

    def parse_instances(self, body: bytes, max_rows: int) -> tuple[array, int] | None: ...

    def encode_predictions(self, probabilities: array, threshold: float, negative_json: bytes,
                           positive_json: bytes) -> str: ...


def load_engine(settings: Settings, bundle: ModelBundle) -> Engine:
    if settings.engine == "compiled":
        from .compiled import CompiledEngine

        return CompiledEngine(settings.library_path, bundle.num_features)
    from .xgboost_engine import XGBoostEngine

    return XGBoostEngine(bundle.model_path, bundle.num_features, settings.xgboost_threads)
