"""Prediction engines: one module per engine behind the same small face.

An engine turns a flat, row-major buffer of float64 features (NaN: missing) into the
model's outputs, `num_outputs` per row, row-major. It is chosen once, at init, by name.
The JSON fast paths are optional capabilities with defaults here: an engine that has
none simply inherits "not handled", and the Python reader and writer do the work.
"""

from __future__ import annotations

from array import array

from ..bundle import ModelBundle
from ..settings import Settings


class Engine:
    """The face every engine shows the predictor."""

    name = "engine"

    def predict(self, values: array, n_rows: int) -> array:
        """The model's outputs for `n_rows` rows packed in `values` (array of 'd', row-major)."""
        raise NotImplementedError

    def versions(self) -> dict[str, str]:
        """Library versions this engine runs on, for provenance."""
        raise NotImplementedError

    def parse_instances(self, body: bytes, max_rows: int) -> tuple[array, int] | None:
        """A `{"instances": [[...]...]}` body straight into doubles; None: not handled here."""
        return None

    def parse_tensor(self, body: bytes, max_values: int) -> tuple[array, int, int] | None:
        """An Open Inference Protocol request's flat `data` array straight into doubles, with
        where it starts and ends in the body; None: not handled here."""
        return None

    def encode_binary_column(self, outputs: array, threshold: float, column: int,
                             negative_json: bytes, positive_json: bytes) -> str | None:
        """One v2 output tensor's data of a binary classifier (COLUMNS in protocols/
        v2_outputs.py), without brackets; None: not handled here."""
        return None

    def encode_binary_predictions(self, probabilities: array, threshold: float,
                                  negative_json: bytes, positive_json: bytes) -> str | None:
        """A binary classifier's predictions array as JSON; None: not handled here."""
        return None


def load_engine(settings: Settings, bundle: ModelBundle) -> Engine:
    if settings.engine == "compiled":
        from .compiled import CompiledEngine

        return CompiledEngine(settings.library_path, bundle.num_features, bundle.num_outputs,
                              settings.model_threads, bundle.min_rows_per_thread)
    from .xgboost_engine import XGBoostEngine

    return XGBoostEngine(bundle.model_path, bundle.num_features, settings.xgboost_threads,
                         bundle.objective)
