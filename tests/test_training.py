"""Training is deterministic and writes complete, honest metadata."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from artifact_contract import SCHEMA_VERSION, TRAINED_DEMO
from helpers import MODEL_DIR, ROOT

TRAIN = ROOT / "train-code" / "train.py"


def train(output_dir: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, str(TRAIN), "--output-dir", str(output_dir), *args],
                            capture_output=True, text=True, check=True)
    return result.stdout


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    printed = train(first)
    train(second)
    return first, second, printed


def test_two_runs_write_byte_identical_artifacts(two_runs) -> None:
    first, second, _ = two_runs
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert [str(f) for f in files] == ["c/header.h", "c/main.c", "metadata.json",
                                       "model.ubj", "parity.csv", "parity_tolerances.txt"]
    for name in files:
        if name.name == "metadata.json":
            continue
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert without_timings(first) == without_timings(second)


def without_timings(model_dir: Path) -> dict:
    """The metadata but the compiled layouts' timings, which differ from run to run."""
    metadata = json.loads((model_dir / "metadata.json").read_text())
    del metadata["compiled_layout"]["measurement"]
    return metadata


def test_served_artifacts_are_what_training_writes(two_runs) -> None:
    first, _, _ = two_runs
    for name in ("model.ubj", "parity.csv", "parity_tolerances.txt", "c/main.c"):
        assert (first / name).read_bytes() == (MODEL_DIR / name).read_bytes(), name
    assert without_timings(first) == without_timings(MODEL_DIR)


def test_metadata_describes_the_model(two_runs) -> None:
    first, _, printed = two_runs
    metadata = json.loads((first / "metadata.json").read_text())
    assert metadata["class_names"] == ["malignant", "benign"]
    assert metadata["class_codes"] == {"malignant": "M", "benign": "B"}
    assert metadata["probability_of_class_index"] == 1
    assert metadata["threshold"] == 0.5
    assert len(metadata["feature_names"]) == 30
    assert metadata["feature_names"][0] == "mean radius"
    assert metadata["feature_names"][-1] == "worst fractal dimension"
    model_sha = hashlib.sha256((first / "model.ubj").read_bytes()).hexdigest()
    assert metadata["model_sha256"] == model_sha
    assert metadata["model_version"] == f"breast-cancer-xgb-{model_sha[:12]}"
    test = metadata["metrics"]["test"]
    assert test["rows"] == 114
    assert sum(map(sum, test["confusion_matrix"])) == 114
    assert test["accuracy"] > 0.9 and test["roc_auc"] > 0.97 and test["log_loss"] < 0.3
    assert {"xgboost-cpu", "scikit-learn", "numpy", "tl2cgen", "treelite", "python"} <= set(
        metadata["library_versions"])
    assert metadata["training"]["xgboost"]["objective"] == "binary:logistic"
    assert metadata["schema_version"] == SCHEMA_VERSION == 3
    assert metadata["model_source"] == TRAINED_DEMO and metadata["objective"] == "binary:logistic"
    assert (metadata["output_kind"], metadata["output_values"]) == ("binary", "probability")
    assert metadata["num_class"] == 2 and metadata["num_outputs"] == 1
    assert metadata["feature_aliases"]["uci"]["mean concave points"] == "concave points_mean"
    assert metadata["feature_aliases"]["uci"]["fractal dimension error"] == "fractal_dimension_se"
    assert metadata["flat_result_field"] == "result"
    assert metadata["parity"] == {"compare": "absolute", "rows_from": "dataset",
                                  "tolerance": 1e-6}
    assert (first / "parity_tolerances.txt").read_text().splitlines()[-1] == \
        "absolute 1e-06 p_benign"
    check = metadata["self_check"]
    assert [[p] for p in check["probabilities"]] == check["outputs"]
    assert metadata["parity_rows"] == 569
    assert f"accuracy {test['accuracy']:.4f}" in printed
    assert "roc_auc" in printed and "log_loss" in printed


def test_early_stopping_cuts_the_saved_model_to_the_best_round(two_runs) -> None:
    import xgboost as xgb

    first, _, _ = two_runs
    metadata = json.loads((first / "metadata.json").read_text())
    booster = xgb.Booster(model_file=str(first / "model.ubj"))
    assert booster.num_boosted_rounds() == metadata["num_trees"] <= 100


def test_options_change_the_model_and_are_recorded(tmp_path: Path) -> None:
    train(tmp_path, "--rounds", "7", "--early-stopping", "0", "--max-depth", "2", "--eta", "0.3")
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    assert metadata["num_trees"] == 7
    assert metadata["training"]["max_depth"] == 2 and metadata["training"]["eta"] == 0.3


def test_help_documents_the_options() -> None:
    result = subprocess.run([sys.executable, str(TRAIN), "--help"], capture_output=True,
                            text=True, check=True)
    for option in ("--rounds", "--max-depth", "--eta", "--seed", "--output-dir"):
        assert option in result.stdout


def test_invalid_option_is_refused() -> None:
    result = subprocess.run([sys.executable, str(TRAIN), "--eta", "0"], capture_output=True,
                            text=True)
    assert result.returncode == 2 and "--eta" in result.stderr


def test_a_failed_training_leaves_the_previous_model_as_it_was(two_runs) -> None:
    first, _, _ = two_runs
    before = {p: p.read_bytes() for p in sorted(first.rglob("*")) if p.is_file()}
    # No compiler: the layouts cannot be built, after the model and parity rows were written.
    failed = subprocess.run([sys.executable, str(TRAIN), "--output-dir", str(first)],
                            capture_output=True, text=True, env={**os.environ, "CC": "false"})
    assert failed.returncode != 0
    assert {p: p.read_bytes() for p in sorted(first.rglob("*")) if p.is_file()} == before
    assert [p for p in first.parent.iterdir() if p.name.startswith(f".{first.name}-")] == []
