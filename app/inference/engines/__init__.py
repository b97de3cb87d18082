"""Prediction engines: one module per engine behind the same small face, `load`, `predict`
and `versions` (as MLServer's runtimes show `load` and `predict`).

An engine turns a flat, row-major buffer of float64 features (NaN: missing) into the
model's outputs, `num_outputs` per row, row-major. It is chosen once, at init, by name. How
requests and answers are written (JSON, and its C codec) is not an engine's business.
"""

from __future__ import annotations

from array import array

from ..bundle import ModelBundle
from ..settings import Settings


class Engine:
    """The face every engine shows the predictor."""

    name = "engine"

    @classmethod
    def load(cls, settings: Settings, bundle: ModelBundle) -> Engine:
        """The engine for this model, ready to predict; a broken artifact fails here."""
        raise NotImplementedError

    def predict(self, values: array, n_rows: int) -> array:
        """The model's outputs for `n_rows` rows packed in `values` (array of 'd', row-major)."""
        raise NotImplementedError

    def versions(self) -> dict[str, str]:
        """Library versions this engine runs on, for provenance."""
        raise NotImplementedError


def load_engine(settings: Settings, bundle: ModelBundle) -> Engine:
    if settings.engine == "compiled":
        from .compiled import CompiledEngine

        return CompiledEngine.load(settings, bundle)
    from .xgboost_engine import XGBoostEngine

    return XGBoostEngine.load(settings, bundle)
