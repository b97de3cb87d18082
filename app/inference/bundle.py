"""The model's artifacts as serving sees them: read once, verified, immutable.

Training and import write them; serving only reads, by the names and kinds the artifact
contract gives (artifact_contract.py). A missing file or a checksum that does not match the
metadata stops init with a message that says which file and what to do. Everything
model-specific (objective, output kind, names, aliases, class codes) comes from the metadata
here, never from code.
"""

from __future__ import annotations

import json
import os

try:  # CPython's built-in SHA-256: hashlib would load OpenSSL at every cold start
    from _sha2 import sha256  # type: ignore[import-not-found]  # CPython's, without a stub
except ImportError:  # pragma: no cover - other interpreters
    from hashlib import sha256

from artifact_contract import (
    ABSOLUTE,
    BINARY,
    CLASSIFIERS,
    METADATA_FILE,
    MULTICLASS,
    NAMED_OUTPUTS,
    OUTPUT_KINDS,
    QUANTILE,
)

from .errors import ArtifactError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    StrPath = str | os.PathLike[str]

RETRAIN_HINT = "run `make model` (or `make model MODEL=...`) to write the artifacts"
NAN = float("nan")


NEVER_SPLIT = 1 << 40


class ModelBundle:
    """The verified artifacts: paths, version, checksum, what the model outputs, names,
    aliases, class codes, the parity criterion and the self-check rows."""

    __slots__ = ("absolute_tolerance", "categorical_features", "category_codes", "class_codes",
                 "class_names", "feature_aliases",
                 "feature_names", "flat_result_field", "metadata", "min_rows_per_thread",
                 "model_dir", "model_path",
                 "model_sha256", "model_version", "num_outputs", "objective", "output_kind",
                 "output_names", "output_values", "self_check_outputs", "self_check_rows",
                 "threshold", "tolerance")

    def __init__(self, model_dir: str, metadata: dict[str, Any]) -> None:
        """Reads `metadata` (schema 2); a missing or mistyped key raises KeyError/TypeError/
        ValueError, which `load_bundle` turns into an ArtifactError."""
        self.model_dir = model_dir
        self.metadata = metadata
        self.model_path = os.path.join(model_dir, str(metadata["model_file"]))
        self.model_version = str(metadata["model_version"])
        self.model_sha256 = str(metadata["model_sha256"])
        self.objective = str(metadata["objective"])
        self.output_kind = str(metadata["output_kind"])
        self.output_values = str(metadata["output_values"])
        self.num_outputs = int(metadata["num_outputs"])
        self.feature_names: tuple[str, ...] = tuple(map(str, metadata["feature_names"]))
        self.feature_aliases: dict[str, dict[str, str]] = {
            str(scheme): {str(k): str(v) for k, v in names.items()}
            for scheme, names in (metadata.get("feature_aliases") or {}).items()}
        # feature name -> {index, categories (names in code order, or None), ...}
        self.categorical_features: dict[str, dict[str, Any]] = dict(
            metadata.get("categorical_features") or {})
        # feature index -> category name -> code, for rows that name their categories
        self.category_codes: dict[int, dict[str, int]] = {
            int(feature["index"]): {str(name): code
                                    for code, name in enumerate(feature["categories"] or [])}
            for feature in self.categorical_features.values()}
        self.class_names: tuple[str, ...] = tuple(map(str, metadata["class_names"]))
        # A quantile model's alphas as text ("0.1"), a multi-target model's target names.
        self.output_names: tuple[str, ...] = tuple(map(str, metadata.get("output_names") or ()))
        self.class_codes: dict[str, str] = {
            str(k): str(v) for k, v in (metadata.get("class_codes") or {}).items()}
        threshold = metadata.get("threshold")
        self.threshold: float | None = None if threshold is None else float(threshold)
        field = metadata.get("flat_result_field")
        self.flat_result_field: str | None = None if field is None else str(field)
        parity = metadata["parity"]
        self.absolute_tolerance: bool = parity["compare"] == ABSOLUTE
        self.tolerance = float(parity["tolerance"])
        # Measured at import (train-code/model_build/layout_choice.py); older metadata: never split.
        layout = metadata.get("compiled_layout") or {}
        self.min_rows_per_thread = int((layout.get("measurement") or {}).get(
            "min_rows_per_thread", NEVER_SPLIT))
        check = metadata["self_check"]
        self.self_check_rows: tuple[tuple[float, ...], ...] = tuple(
            tuple(NAN if value is None else float(value) for value in row)
            for row in check["rows"])
        self.self_check_outputs: tuple[tuple[float, ...], ...] = tuple(
            tuple(float(value) for value in row) for row in check["outputs"])

    @property
    def num_features(self) -> int:
        return len(self.feature_names)

    @property
    def is_classifier(self) -> bool:
        return self.output_kind in CLASSIFIERS


def file_sha256(path: StrPath) -> str:
    digest = sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_bundle(model_dir: StrPath) -> ModelBundle:
    model_dir = os.fspath(model_dir)
    metadata_path = os.path.join(model_dir, METADATA_FILE)
    if not os.path.isfile(metadata_path):
        raise ArtifactError(f"model metadata not found at {metadata_path}: {RETRAIN_HINT}")
    try:
        with open(metadata_path, encoding="utf-8") as stream:
            metadata = json.load(stream)
        bundle = ModelBundle(model_dir, metadata)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ArtifactError(f"model metadata {metadata_path} is unreadable ({error!r}): "
                            f"{RETRAIN_HINT}") from error
    _check_consistent(bundle, metadata_path)
    if not os.path.isfile(bundle.model_path):
        raise ArtifactError(f"model file not found at {bundle.model_path}: {RETRAIN_HINT}")
    actual_sha = file_sha256(bundle.model_path)
    if actual_sha != bundle.model_sha256:
        raise ArtifactError(
            f"model file {bundle.model_path} has SHA-256 {actual_sha}, but {metadata_path} "
            f"expects {bundle.model_sha256}: the model and its metadata do not belong "
            f"together; {RETRAIN_HINT}"
        )
    return bundle


def _all_numbers(names: tuple[str, ...]) -> bool:
    try:
        return all(0.0 < float(name) < 1.0 for name in names)
    except ValueError:
        return False


def _check_consistent(bundle: ModelBundle, metadata_path: str) -> None:
    """The shapes the encoders rely on, checked once so a request never finds them wrong."""
    problem = None
    kind, classes = bundle.output_kind, len(bundle.class_names)
    if kind not in OUTPUT_KINDS:
        problem = f"output_kind {kind!r} is not one of {OUTPUT_KINDS}"
    elif kind == BINARY and (classes != 2 or bundle.num_outputs != 1
                             or bundle.threshold is None):
        problem = "a binary classifier needs 2 class names, 1 output and a threshold"
    elif kind == MULTICLASS and (classes < 2 or bundle.num_outputs != classes):
        problem = f"a multiclass model needs one output per class, has {bundle.num_outputs} " \
                  f"outputs for {classes} classes"
    elif kind in NAMED_OUTPUTS and (bundle.num_outputs < 1
                                    or len(bundle.output_names) != bundle.num_outputs):
        problem = f"a {kind} model needs one output name per output, has " \
                  f"{len(bundle.output_names)} for {bundle.num_outputs} outputs"
    elif kind == QUANTILE and not _all_numbers(bundle.output_names):
        problem = f"a quantile model's output names are its alphas, got {bundle.output_names}"
    elif not bundle.is_classifier and kind not in NAMED_OUTPUTS and bundle.num_outputs != 1:
        problem = f"a {kind} model gives 1 output per row, not {bundle.num_outputs}"
    elif not bundle.self_check_rows or any(
            len(row) != bundle.num_features for row in bundle.self_check_rows) or any(
            len(row) != bundle.num_outputs for row in bundle.self_check_outputs) or len(
            bundle.self_check_rows) != len(bundle.self_check_outputs):
        problem = "its self-check rows do not match the model's features and outputs"
    if problem:
        raise ArtifactError(f"model metadata {metadata_path} is inconsistent: {problem}; "
                            f"{RETRAIN_HINT}")
