"""The trained model's artifacts as serving sees them: read once, verified, immutable.

Training writes them; serving only reads. A missing file or a checksum that does not
match the metadata stops init with a message that says which file and what to do.
"""

from __future__ import annotations

import json
import os
from collections import namedtuple

try:  # CPython's built-in SHA-256: hashlib would load OpenSSL at every cold start
    from _sha2 import sha256
except ImportError:  # pragma: no cover - other interpreters
    from hashlib import sha256

from .errors import ArtifactError

TYPE_CHECKING = False
if TYPE_CHECKING:
    StrPath = str | os.PathLike[str]

METADATA_FILE = "metadata.json"
RETRAIN_HINT = "run `make model` to (re)train and write the artifacts"


_FIELDS = ("model_dir model_path model_version model_sha256 feature_names class_names "
           "class_codes threshold self_check_rows self_check_probabilities metadata")


class ModelBundle(namedtuple("ModelBundle", _FIELDS)):
    """The verified artifacts: paths, version, checksum, names, threshold, self-check rows."""

    __slots__ = ()

    @property
    def num_features(self) -> int:
        return len(self.feature_names)


def file_sha256(path: StrPath) -> str:
    digest = sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_bundle(model_dir: StrPath) -> ModelBundle:
    metadata_path = os.path.join(model_dir, METADATA_FILE)
    if not os.path.isfile(metadata_path):
        raise ArtifactError(f"model metadata not found at {metadata_path}: {RETRAIN_HINT}")
    try:
        with open(metadata_path, encoding="utf-8") as stream:
            metadata = json.load(stream)
        model_path = os.path.join(model_dir, metadata["model_file"])
        expected_sha = metadata["model_sha256"]
        classes = tuple(metadata["class_names"])
        bundle = ModelBundle(
            model_dir=model_dir,
            model_path=model_path,
            model_version=metadata["model_version"],
            model_sha256=expected_sha,
            feature_names=tuple(metadata["feature_names"]),
            class_names=classes,
            class_codes=dict(metadata["class_codes"]),
            threshold=float(metadata["threshold"]),
            self_check_rows=tuple(tuple(row) for row in metadata["self_check"]["rows"]),
            self_check_probabilities=tuple(metadata["self_check"]["probabilities"]),
            metadata=metadata,
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ArtifactError(f"model metadata {metadata_path} is unreadable ({error!r}): "
                            f"{RETRAIN_HINT}") from error
    if len(classes) != 2 or metadata.get("probability_of_class_index") != 1:
        raise ArtifactError(f"{metadata_path} does not describe a binary classifier")
    if not os.path.isfile(model_path):
        raise ArtifactError(f"model file not found at {model_path}: {RETRAIN_HINT}")
    actual_sha = file_sha256(model_path)
    if actual_sha != expected_sha:
        raise ArtifactError(
            f"model file {model_path} has SHA-256 {actual_sha}, but {metadata_path} expects "
            f"{expected_sha}: the model and its metadata do not belong together; {RETRAIN_HINT}"
        )
    return bundle
