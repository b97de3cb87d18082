"""The predictor: loads the model once and predicts rows. It knows nothing of Lambda.

At load it verifies the artifacts (checksum), loads the engine chosen by settings and
runs a self-check on rows XGBoost scored at training time, so a library built from
another model, or for the wrong inputs, fails init instead of answering wrongly.
"""

from __future__ import annotations

import os
import sys
from array import array
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .bundle import ModelBundle, load_bundle
from .engines import Engine, load_engine
from .errors import ArtifactError
from .settings import Settings

SELF_CHECK_TOLERANCE = 1e-6


class Predictor:
    def __init__(self, bundle: ModelBundle, engine: Engine) -> None:
        self.bundle = bundle
        self.engine = engine
        self._self_check()

    @classmethod
    def load(cls, settings: Settings) -> Predictor:
        bundle = load_bundle(settings.model_dir)
        return cls(bundle, load_engine(settings, bundle))

    def predict_proba(self, values: array, n_rows: int) -> array:
        """p(class index 1) for each row of the flat, row-major `values`."""
        return self.engine.predict_positive(values, n_rows)

    def provenance(self) -> dict[str, Any]:
        """Enough to tell whether two functions serve the same thing, and on which machine."""
        return {
            "model_version": self.bundle.model_version,
            "model_sha256": self.bundle.model_sha256,
            "engine": self.engine.name,
            # sys and os rather than `platform`, whose import a cold start would pay for
            "library_versions": {"python": sys.version.split()[0], **self.engine.versions()},
            "machine": os.uname().machine,
        }

    def describe(self) -> dict[str, Any]:
        """The answer to a describe request: provenance plus the model's contract."""
        return {
            **self.provenance(),
            "feature_names": list(self.bundle.feature_names),
            "class_names": list(self.bundle.class_names),
            "threshold": self.bundle.threshold,
            "trained_with": self.bundle.metadata.get("library_versions", {}),
        }

    def _self_check(self) -> None:
        rows = self.bundle.self_check_rows
        values = array("d", [value for row in rows for value in row])
        got = self.predict_proba(values, len(rows))
        for row, (expected, actual) in enumerate(zip(self.bundle.self_check_probabilities, got)):
            if abs(expected - actual) > SELF_CHECK_TOLERANCE:
                raise ArtifactError(
                    f"engine {self.engine.name!r} gives p={actual!r} for self-check row {row}, "
                    f"XGBoost gave {expected!r} at training: the engine does not serve this model"
                )
