"""Write the artifacts serving reads: model, metadata, C source, parity file and its tolerances.

Training the demo and importing a user's model both end here, so both write the same
artifact set and the same metadata schema, as app/artifact_contract.py names them (the module
serving, the compare tool and the dev tools read them by). Every file is written deterministically
(sorted keys, no timestamps, shortest exact float text) so that writing the same model
again changes nothing on disk, except the compiled layouts' timings (metadata's
compiled_layout.measurement, see layout_choice.py).
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

from artifact_contract import (
    BINARY,
    C_SOURCE_DIR,
    METADATA_FILE,
    MODEL_FILE,
    MODEL_SOURCE_KEY,
    PARITY_FILE,
    PARITY_TOLERANCES_FILE,
    PROBABILITY,
    RELATIVE,
    RELATIVE_RULE,
    SCHEMA_VERSION,
    parity_criterion,
)
from model_build.c_source import C_SOURCE_FILES, c_sources, write_c_source
from model_build.layout_choice import choose_layout
from model_build.objectives import OutputSpec, output_spec
from model_build.parity_file import output_columns, write_parity_file, xgboost_outputs

SELF_CHECK_ROWS = 4


@dataclass(frozen=True)
class ModelDescription:
    """Everything about a model that its booster does not say itself."""

    objective: str
    feature_names: list[str]
    feature_names_source: str
    class_names: list[str]
    version_prefix: str
    parity_source: str
    source: str  # where the model came from: artifact_contract.MODEL_SOURCES
    threshold: float | None = None
    class_codes: dict[str, str] = field(default_factory=dict)
    feature_aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    flat_result_field: str | None = None
    # feature name -> {index, categories (names in code order, or None), ...}: categories.py
    categorical_features: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A quantile model's alphas as text ("0.1"), or a multi-target model's target names:
    # one per output, in output order; [] for every other model.
    output_names: list[str] = field(default_factory=list)
    num_targets: int = 1
    # Who computed the parity outputs when it was not this XGBoost (a converted model's).
    parity_outputs_from: str | None = None

    @property
    def spec(self) -> OutputSpec:
        return output_spec(self.objective, self.num_targets)


@dataclass(frozen=True)
class Written:
    model_version: str
    model_sha256: str
    paths: list[Path]
    parity_rows: int


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def library_versions() -> dict[str, str]:
    packages = ("xgboost-cpu", "scikit-learn", "numpy", "treelite", "tl2cgen")
    return {"python": platform.python_version(), **{name: version(name) for name in packages}}


def _json_value(value: float) -> float | None:
    return None if math.isnan(value) else value


def self_check_rows(x: np.ndarray) -> list[int]:
    """The first rows, plus the first row with a missing value if none of them has one."""
    chosen = list(range(min(SELF_CHECK_ROWS, len(x))))
    with_missing = np.flatnonzero(np.isnan(x).any(axis=1))
    if len(with_missing) and not np.isnan(x[chosen]).any():
        chosen.append(int(with_missing[0]))
    return chosen


def parity_check(spec: OutputSpec) -> dict[str, Any]:
    compare, tolerance = parity_criterion(spec.values)
    return {"compare": compare, "tolerance": tolerance,
            **({"rule": RELATIVE_RULE} if compare == RELATIVE else {})}


def output_metadata(description: ModelDescription, num_outputs: int) -> dict[str, Any]:
    spec = description.spec
    meta: dict[str, Any] = {
        "objective": description.objective,
        "output_kind": spec.kind,
        "output_values": spec.values,
        "num_outputs": num_outputs,
        "num_class": len(description.class_names),  # [] unless a classifier
        "class_names": description.class_names,
        "class_codes": description.class_codes,
        "threshold": description.threshold,
        "flat_result_field": description.flat_result_field,
    }
    if spec.kind == BINARY and spec.values == PROBABILITY:
        meta["probability_of_class_index"] = 1
    if description.output_names:  # quantile and multi-target models: what each output is
        meta["output_names"] = description.output_names
        meta["num_targets"] = description.num_targets
    return meta


def write_artifacts(output_dir: Path, booster: xgb.Booster, description: ModelDescription,
                    parity_x: np.ndarray, extra: dict[str, Any],
                    layout: str | None = None,
                    reference_outputs: np.ndarray | None = None) -> Written:
    """Every artifact; the C source in `layout`, or in the layout measured fastest.

    The parity outputs are this XGBoost's for the booster, unless `reference_outputs` are
    supplied (a converted model's: the original file's outputs from the XGBoost that read it).
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    model_path = output_dir / MODEL_FILE
    booster.save_model(model_path)
    model_sha256 = sha256_of(model_path)
    model_version = f"{description.version_prefix}-{model_sha256[:12]}"

    outputs = (xgboost_outputs(booster, description.objective, parity_x)
               if reference_outputs is None else reference_outputs)
    parity_path, tolerances_path = write_parity(output_dir, description, parity_x, outputs)

    sources = c_sources(booster)
    choice = choose_layout(sources, parity_path, parity_x, layout)
    c_dir = output_dir / C_SOURCE_DIR
    write_c_source(sources.files[choice.layout], c_dir)

    metadata = {
        "schema_version": SCHEMA_VERSION,
        MODEL_SOURCE_KEY: description.source,
        "model_version": model_version,
        "model_file": MODEL_FILE,
        "model_sha256": model_sha256,
        "model_format": "xgboost-ubjson",
        "c_source": {name: sha256_of(c_dir / name) for name in C_SOURCE_FILES},
        "compiled_layout": choice.metadata(),
        **output_metadata(description, int(outputs.shape[1])),
        **feature_metadata(description),
        "num_trees": len(booster.get_dump()),
        **parity_metadata(description, parity_path, parity_x, outputs),
        "library_versions": library_versions(),
        **extra,
    }
    metadata_path = output_dir / METADATA_FILE
    metadata_path.write_text(json.dumps(metadata, indent=2, sort_keys=True, allow_nan=False)
                             + "\n", encoding="utf-8")
    paths = [model_path, metadata_path, parity_path, tolerances_path,
             *(c_dir / n for n in C_SOURCE_FILES)]
    return Written(model_version=model_version, model_sha256=model_sha256, paths=paths,
                   parity_rows=len(parity_x))


def write_parity(output_dir: Path, description: ModelDescription, parity_x: np.ndarray,
                 outputs: np.ndarray) -> tuple[Path, Path]:
    """The parity file, and beside it how the C checker compares each of its output columns."""
    columns = output_columns(description.spec, description.class_names,
                             description.output_names)
    parity_path = output_dir / PARITY_FILE
    tolerances_path = write_parity_file(parity_path, description.feature_names, parity_x,
                                        outputs, columns, description.spec.values)
    return parity_path, tolerances_path


def feature_metadata(description: ModelDescription) -> dict[str, Any]:
    return {
        "feature_names": description.feature_names,
        "feature_names_source": description.feature_names_source,
        "feature_aliases": description.feature_aliases,
        "categorical_features": description.categorical_features,
        "missing_values": {
            "request": "null",
            "means": "missing, as NaN is to XGBoost: each split's learned default direction",
        },
    }


def parity_metadata(description: ModelDescription, parity_path: Path, parity_x: np.ndarray,
                    outputs: np.ndarray) -> dict[str, Any]:
    """The parity file and its criterion, and the self-check rows serving replays at init."""
    checked = self_check_rows(parity_x)
    self_check: dict[str, Any] = {
        "rows": [[_json_value(v) for v in parity_x[i].tolist()] for i in checked],
        "outputs": [outputs[i].tolist() for i in checked],
    }
    if outputs.shape[1] == 1 and description.spec.values == PROBABILITY:
        self_check["probabilities"] = [outputs[i, 0].item() for i in checked]
    return {
        "parity_file": PARITY_FILE,
        "parity_tolerances_file": PARITY_TOLERANCES_FILE,
        "parity_sha256": sha256_of(parity_path),
        "parity_rows": len(parity_x),
        "parity": {"rows_from": description.parity_source, **parity_check(description.spec),
                   **({"outputs_from": description.parity_outputs_from}
                      if description.parity_outputs_from else {})},
        "self_check": self_check,
    }
