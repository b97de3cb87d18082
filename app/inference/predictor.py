"""The predictor: loads the model once and predicts rows. It knows nothing of Lambda.

At load it verifies the artifacts (checksum), loads the engine chosen by settings and
runs a self-check on rows XGBoost scored when the artifacts were written, so a library
built from another model, or for the wrong inputs, fails init instead of answering wrongly.
"""

from __future__ import annotations

import os
import sys
from array import array

from artifact_contract import MULTI_TARGET, QUANTILE

from .bundle import ModelBundle, load_bundle
from .cpus import usable_cpus
from .engines import Engine, load_engine
from .errors import ArtifactError
from .settings import Settings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Predictor:
    def __init__(self, bundle: ModelBundle, engine: Engine) -> None:
        self.bundle = bundle
        self.engine = engine
        self._self_check()

    @classmethod
    def load(cls, settings: Settings) -> Predictor:
        bundle = load_bundle(settings.model_dir)
        return cls(bundle, load_engine(settings, bundle))

    def predict(self, values: array, n_rows: int) -> array:
        """The model's outputs, `bundle.num_outputs` per row, for the flat row-major `values`."""
        return self.engine.predict(values, n_rows)

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
        bundle = self.bundle
        contract: dict[str, Any] = {
            "objective": bundle.objective,
            "output_kind": bundle.output_kind,
            "output_values": bundle.output_values,
            "feature_names": list(bundle.feature_names),
            "feature_aliases": sorted(bundle.feature_aliases),
            "missing_values": "null in a row: missing, as NaN is to XGBoost",
        }
        if bundle.categorical_features:
            contract["categorical_features"] = {
                name: {"categories": feature["categories"], "known_codes": feature["known_codes"]}
                for name, feature in bundle.categorical_features.items()}
            contract["categories"] = ("a category's integer code, or its name where categories "
                                      "are listed; a code no split names, negative or >= 2^24 "
                                      "goes left at every split on it, as in XGBoost")
        if bundle.is_classifier:
            contract["class_names"] = list(bundle.class_names)
        if bundle.threshold is not None:
            contract["threshold"] = bundle.threshold
        if bundle.output_kind == QUANTILE:  # the keys of each answer's quantiles, in order
            contract["quantile_alphas"] = [float(name) for name in bundle.output_names]
        elif bundle.output_kind == MULTI_TARGET:  # what each answer's values are, in order
            contract["target_names"] = list(bundle.output_names)
        return {**self.provenance(), **contract, "cpus": usable_cpus(),
                "trained_with": bundle.metadata.get("library_versions", {})}

    def _self_check(self) -> None:
        bundle = self.bundle
        rows, width = bundle.self_check_rows, bundle.num_outputs
        got = self.predict(array("d", [value for row in rows for value in row]), len(rows))
        for row, expected in enumerate(bundle.self_check_outputs):
            for k, wanted in enumerate(expected):
                actual = got[row * width + k]
                allowed = bundle.tolerance * (1.0 if bundle.absolute_tolerance
                                              else max(1.0, abs(wanted)))
                if not abs(actual - wanted) <= allowed:
                    raise ArtifactError(
                        f"engine {self.engine.name!r} gives {actual!r} for output {k} of "
                        f"self-check row {row}, XGBoost gave {wanted!r}: the engine does not "
                        "serve this model"
                    )
