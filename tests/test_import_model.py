"""Importing a user's model: every supported objective compiles and matches XGBoost on
every parity row, on x86_64 and on aarch64 under qemu; anything else is refused by name."""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost as xgb
from sklearn.datasets import load_digits

from artifact_contract import IMPORTED, SCHEMA_VERSION
from helpers import AARCH64_CC, APP_DIR, QEMU, ROOT, tool_marks
from user_models import OBJECTIVES, breast_cancer_with_missing, classes, save, train

IMPORT = ROOT / "train-code" / "import_model.py"
NATIVE = APP_DIR / "native"
PARITY_LINE = re.compile(r"parity arch=(\S+) rows=(\d+) outputs=(\d+) missing_rows=(\d+) "
                         r"max_(abs|rel)_diff=(\S+) \(row -?\d+\) tolerance=(\S+) (OK|FAILED)")


def run_import(model: Path, output_dir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(IMPORT), str(model), "--output-dir",
                           str(output_dir), *options], capture_output=True, text=True)


def imported(tmp_path: Path, booster: xgb.Booster, name: str, *options: str,
             ubjson: bool = False) -> Path:
    model_dir = tmp_path / "model"
    result = run_import(save(booster, tmp_path, name, ubjson), model_dir, *options)
    assert result.returncode == 0, result.stderr
    return model_dir


def parity_check(model_dir: Path, out: Path, arch: str = "") -> re.Match[str]:
    cross = arch == "aarch64"
    args = ([f"CC={AARCH64_CC}", "ARCH=aarch64", f"RUN={QEMU} -L /usr/aarch64-linux-gnu"]
            if cross else [])
    result = subprocess.run(["make", "-s", "-C", str(NATIVE), "check", f"MODEL_DIR={model_dir}",
                             f"OUT={out}", *args], capture_output=True, text=True)
    match = PARITY_LINE.search(result.stdout)
    assert result.returncode == 0 and match and match[8] == "OK", result.stdout + result.stderr
    return match


# aarch64 under qemu where its tools are installed, else skipped saying what to install.
ARCHES = ["host", pytest.param("aarch64", marks=tool_marks(AARCH64_CC, QEMU))]


@pytest.fixture(scope="module")
def imported_by_objective(tmp_path_factory) -> Any:
    """Each objective trained and imported once, for every architecture's check."""
    cache: dict[str, tuple[xgb.Booster, Path]] = {}

    def get(objective: str) -> tuple[xgb.Booster, Path]:
        if objective not in cache:
            booster = train(objective)
            where = tmp_path_factory.mktemp(objective.replace(":", "-"))
            cache[objective] = booster, imported(where, booster, objective,
                                                 ubjson=objective.startswith("reg:"))
        return cache[objective]
    return get


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
def test_every_supported_objective_compiles_to_xgboosts_predictions(
        tmp_path: Path, imported_by_objective, objective: str, arch: str) -> None:
    booster, model_dir = imported_by_objective(objective)
    metadata = json.loads((model_dir / "metadata.json").read_text())
    assert metadata["objective"] == objective and metadata["schema_version"] == SCHEMA_VERSION
    assert metadata["model_source"] == IMPORTED
    outputs = metadata["num_outputs"]
    assert_every_leaf_is_reached(booster, parity_rows(model_dir)[1][:, :booster.num_features()])
    match = parity_check(model_dir, tmp_path / arch, arch)
    print(f"{objective} {match[0]}")
    assert int(match[2]) == metadata["parity_rows"] and int(match[3]) == outputs
    assert int(match[4]) > 0, "the generated rows exercise missing values"
    assert match[5] == ("abs" if metadata["parity"]["compare"] == "absolute" else "rel")


def parity_rows(model_dir: Path) -> tuple[list[str], np.ndarray]:
    lines = (model_dir / "parity.csv").read_text().splitlines()
    return lines[0].split(","), np.array([[float(v) for v in line.split(",")]
                                          for line in lines[1:]])


def test_generated_rows_reach_every_leaf_and_hold_xgboosts_outputs(tmp_path: Path) -> None:
    booster = train("multi:softprob", rounds=20, max_depth=4)
    model_dir = imported(tmp_path, booster, "iris", "--classes", "setosa,versicolor,virginica")
    header, table = parity_rows(model_dir)
    assert header[-3:] == ["p_setosa", "p_versicolor", "p_virginica"]
    x, expected = table[:, :4], table[:, 4:]
    assert np.isnan(x).all(axis=1).any() and np.isnan(x).any(axis=1).sum() > 1
    assert np.array_equal(booster.inplace_predict(x).astype(np.float64), expected)
    assert_every_leaf_is_reached(booster, x)


def assert_every_leaf_is_reached(booster: xgb.Booster, x: np.ndarray) -> None:
    """Every leaf reached means both sides of every split were taken."""
    reached = booster.predict(xgb.DMatrix(x), pred_leaf=True)
    trees = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]
    for t, tree in enumerate(trees):
        leaves = {n for n, child in enumerate(tree["left_children"]) if child == -1}
        assert leaves == set(reached[:, t].astype(int).tolist()), f"tree {t}"


def test_multiclass_metadata_names_classes_outputs_and_features(tmp_path: Path) -> None:
    booster = train("multi:softmax")
    model_dir = imported(tmp_path, booster, "wine", "--classes", "a,b,c", "--features",
                         ",".join(f"x{i}" for i in range(13)))
    metadata = json.loads((model_dir / "metadata.json").read_text())
    assert metadata["output_kind"] == "multiclass" and metadata["num_class"] == 3
    assert metadata["num_outputs"] == 3 and metadata["class_names"] == ["a", "b", "c"]
    assert metadata["feature_names"][0] == "x0" and metadata["feature_names_source"] == "supplied"
    assert metadata["parity"] == {"compare": "absolute", "rows_from": "split-thresholds",
                                  "tolerance": 1e-6}
    assert "probability_of_class_index" not in metadata
    self_check = metadata["self_check"]
    assert len(self_check["outputs"][0]) == 3
    assert any(value is None for row in self_check["rows"] for value in row)


def test_sample_rows_with_missing_values_are_the_parity_rows(tmp_path: Path) -> None:
    x, _, _ = breast_cancer_with_missing()
    sample = tmp_path / "rows.csv"
    sample.write_text("\n".join(",".join("" if np.isnan(v) else repr(float(v)) for v in row)
                                for row in x[:50]) + "\n")
    booster = train("binary:logistic")
    model_dir = imported(tmp_path, booster, "cancer", "--sample", str(sample),
                         "--classes", "malignant,benign")
    header, table = parity_rows(model_dir)
    assert header[-1] == "p_benign" and len(table) == 50
    assert np.array_equal(np.isnan(table[:, :30]), np.isnan(x[:50]))
    metadata = json.loads((model_dir / "metadata.json").read_text())
    assert metadata["parity"]["rows_from"] == "sample" and metadata["threshold"] == 0.5
    assert metadata["probability_of_class_index"] == 1
    match = parity_check(model_dir, tmp_path / "out")
    assert match[2] == "50" and int(match[4]) > 0


def test_model_feature_names_are_kept(tmp_path: Path) -> None:
    x, y, _ = breast_cancer_with_missing()
    names = [f"col_{i}" for i in range(30)]
    booster = xgb.train({"objective": "binary:logistic", "nthread": 1},
                        xgb.DMatrix(x, label=y, feature_names=names), 3)
    metadata = json.loads((imported(tmp_path, booster, "named") / "metadata.json").read_text())
    assert metadata["feature_names"] == names and metadata["feature_names_source"] == "model"


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory) -> Path:
    """scikit-learn's digits: 64 features, 10 classes, 60 rounds of depth 6 = 600 trees."""
    booster = train("multi:softprob", rounds=60, max_depth=6, data=classes(load_digits),
                    num_class=10, eta=0.1)
    model_dir = imported(tmp_path_factory.mktemp("digits"), booster, "digits")
    assert_every_leaf_is_reached(booster, parity_rows(model_dir)[1][:, :64])
    return model_dir


@pytest.mark.slow
@pytest.mark.parametrize("arch", ARCHES)
def test_a_600_tree_ten_class_model_matches_on_both_architectures(
        tmp_path: Path, digits_model: Path, arch: str) -> None:
    metadata = json.loads((digits_model / "metadata.json").read_text())
    assert metadata["num_trees"] == 600 and metadata["num_outputs"] == 10
    match = parity_check(digits_model, tmp_path / arch, arch)
    print(match[0])
    assert int(match[3]) == 10 and int(match[2]) == metadata["parity_rows"]


def refused(tmp_path: Path, model: Path, *options: str) -> str:
    result = run_import(model, tmp_path / "refused", *options)
    assert result.returncode == 2 and not (tmp_path / "refused").exists(), result.stderr
    return result.stderr


def test_unsupported_objective_is_refused_by_name(tmp_path: Path) -> None:
    model = save(train("survival:cox", rounds=2), tmp_path, "survival:cox")
    message = refused(tmp_path, model)
    assert "objective 'survival:cox' is not supported" in message


def test_a_pickle_is_refused_and_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"

    class Trap:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.mkdir, (str(marker),))

    model = tmp_path / "model.json"
    model.write_bytes(pickle.dumps(Trap()))
    assert "Python pickle" in refused(tmp_path, model) and not marker.exists()


@pytest.mark.parametrize("content,found", [
    (b"", "empty"),
    (b"not a model", "not XGBoost JSON or UBJSON"),
    (b'{"learner": {"objective": 1}}', "invalid_model"),
    (b"PK\x03\x04zip", "zip archive"),
])
def test_a_file_that_is_not_xgboost_json_or_ubjson_is_refused(tmp_path: Path, content: bytes,
                                                              found: str) -> None:
    model = tmp_path / "model.ubj"
    model.write_bytes(content)
    assert found in refused(tmp_path, model)


def test_multi_label_classifiers_are_refused(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(100, 3))
    booster = xgb.train({"objective": "binary:logistic", "nthread": 1},
                        xgb.DMatrix(x, label=np.c_[x[:, 0] > 0, x[:, 1] > 0]), 3)
    assert "2 targets" in refused(tmp_path, save(booster, tmp_path, "two-labels"))


def test_linear_boosters_are_refused(tmp_path: Path) -> None:
    booster = train("reg:squarederror", rounds=2, booster="gblinear")
    assert "booster 'gblinear'" in refused(tmp_path, save(booster, tmp_path, "linear"))


@pytest.mark.parametrize("options,message", [
    (("--features", "a,b"), "2 feature names given, the model takes 30"),
    (("--classes", "a,b,c"), "3 class names given, the model has 2 classes"),
    (("--features", ",".join(["same"] * 30)), "must be unique"),
    (("--threshold", "0.3", "--classes", "x,y,z"), "3 class names given"),
])
def test_options_that_do_not_fit_the_model_are_refused(tmp_path: Path, options: tuple[str, ...],
                                                        message: str) -> None:
    model = save(train("binary:logistic", rounds=2), tmp_path, "cancer")
    assert message in refused(tmp_path, model, *options)


def test_class_names_on_a_regression_model_are_refused(tmp_path: Path) -> None:
    model = save(train("reg:squarederror", rounds=2), tmp_path, "diabetes")
    assert "has no classes" in refused(tmp_path, model, "--classes", "a,b")


@pytest.mark.parametrize("objective,column,change", [
    ("reg:squarederror", -1, 2e-5),   # relative: 2e-5 of the value is beyond 1e-5
    ("multi:softprob", -2, 2e-6),     # absolute: one class probability off by 2e-6
    ("binary:hinge", -1, 1.0),        # a 0/1 label flipped
])
def test_parity_check_fails_on_a_wrong_output(tmp_path: Path, objective: str, column: int,
                                              change: float) -> None:
    model_dir = imported(tmp_path, train(objective), objective)
    lines = (model_dir / "parity.csv").read_text().splitlines()
    cells = lines[3].split(",")
    value = float(cells[column])
    cells[column] = repr(value + change * max(1.0, abs(value)) * (-1 if value >= 1 else 1))
    lines[3] = ",".join(cells)
    (model_dir / "parity.csv").write_text("\n".join(lines) + "\n")
    result = subprocess.run(["make", "-s", "-C", str(NATIVE), "check", f"MODEL_DIR={model_dir}",
                             f"OUT={tmp_path / 'out'}"], capture_output=True, text=True)
    assert result.returncode != 0 and "FAILED" in result.stdout and "(row 2)" in result.stdout
