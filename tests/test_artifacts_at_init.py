"""Init fails loudly on artifacts that are missing, corrupt or from another model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import HOST_LIBRARY, MODEL_DIR
from inference.bundle import load_bundle
from inference.errors import ArtifactError
from inference.json_codec import PYTHON_ONLY, load_codec
from inference.predictor import Predictor
from inference.settings import Settings


def copy_model(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(MODEL_DIR, target)
    return target


def settings_for(model_dir: Path, engine: str = "compiled",
                 library: Path = HOST_LIBRARY) -> Settings:
    return Settings.from_env({"MODEL_DIR": str(model_dir), "MODEL_LIBRARY": str(library),
                              "INFERENCE_ENGINE": engine})


def test_model_checksum_mismatch_fails_init_with_clear_message(tmp_path: Path) -> None:
    model_dir = copy_model(tmp_path)
    with (model_dir / "model.ubj").open("ab") as stream:
        stream.write(b"\0")
    with pytest.raises(ArtifactError, match=r"SHA-256 .* expects"):
        load_bundle(model_dir)


def test_missing_metadata_fails_init_and_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="make model"):
        load_bundle(tmp_path)


def test_missing_library_fails_init(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="library not found"):
        Predictor.load(settings_for(MODEL_DIR, library=tmp_path / "libmodel.so"))


@pytest.mark.parametrize("engine", ["compiled", "xgboost"])
def test_library_or_model_that_disagrees_with_the_self_check_fails_init(
        tmp_path: Path, engine: str) -> None:
    model_dir = copy_model(tmp_path)
    metadata = json.loads((model_dir / "metadata.json").read_text())
    metadata["self_check"]["outputs"][0][0] += 0.01
    (model_dir / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(ArtifactError, match="does not serve this model"):
        Predictor.load(settings_for(model_dir, engine=engine))


def test_unknown_engine_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="INFERENCE_ENGINE"):
        Settings.from_env({"INFERENCE_ENGINE": "gpu"})


def test_without_the_codec_library_json_is_read_and_written_in_python(tmp_path: Path) -> None:
    """What an image without a compiler (ENGINE=xgboost) serves with: nothing handled in C."""
    assert load_codec(str(tmp_path / "libcodec.so")) is PYTHON_ONLY


def test_a_codec_library_that_cannot_load_fails_init(tmp_path: Path) -> None:
    broken = tmp_path / "libcodec.so"
    broken.write_bytes(b"not a shared library")
    with pytest.raises(ArtifactError, match="cannot load the JSON codec"):
        load_codec(str(broken))
