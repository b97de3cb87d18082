"""The arrays layout (node tables + one walker) gives XGBoost's outputs for every objective,
on both architectures, with categorical splits, and with a batch split across threads."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from array import array
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from helpers import AARCH64_CC, APP_DIR, QEMU, ROOT, needs_aarch64_tools
from inference.cpus import quota_cpus
from inference.engines.compiled import CompiledEngine
from model_build.c_source import c_sources, write_c_source
from model_build.layout_choice import choose_layout
from model_build.parity_file import write_parity_file, xgboost_outputs
from user_models import OBJECTIVES, save, train

IMPORT = ROOT / "train-code" / "import_model.py"
NATIVE = APP_DIR / "native"


def import_as(tmp_path: Path, booster: xgb.Booster, name: str, layout: str) -> dict:
    model_dir = tmp_path / "model"
    result = subprocess.run([sys.executable, str(IMPORT), str(save(booster, tmp_path, name)),
                             "--output-dir", str(model_dir), "--layout", layout],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((model_dir / "metadata.json").read_text())


def check(model_dir: Path, out: Path, *make_args: str) -> str:
    result = subprocess.run(["make", "-s", "-C", str(NATIVE), "check", f"MODEL_DIR={model_dir}",
                             f"OUT={out}", *make_args], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
def test_every_objective_passes_the_parity_gate_in_the_arrays_layout(tmp_path: Path,
                                                                     objective: str) -> None:
    layout = import_as(tmp_path, train(objective), objective, "arrays")["compiled_layout"]
    assert layout["layout"] == "arrays"
    assert layout["parity"]["arrays"].endswith("OK")
    assert "#define MODEL_PREDICT_BLOCK" in (tmp_path / "model" / "c" / "header.h").read_text()


@needs_aarch64_tools
@pytest.mark.parametrize("objective", ["binary:logistic", "multi:softprob", "reg:gamma",
                                       "rank:ndcg"])
def test_the_arrays_layout_matches_xgboost_on_arm64_under_qemu(tmp_path: Path,
                                                               objective: str) -> None:
    import_as(tmp_path, train(objective, rounds=40, max_depth=6), objective, "arrays")
    printed = check(tmp_path / "model", tmp_path / "aarch64", f"CC={AARCH64_CC}",
                    "ARCH=aarch64", f"RUN={QEMU} -L /usr/aarch64-linux-gnu")
    assert "arch=aarch64" in printed and printed.endswith("OK")


def categorical_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    x = np.column_stack([rng.integers(0, 40, n), rng.normal(size=n),
                         rng.integers(0, 5, n)]).astype(float)
    return x


def test_categorical_splits_follow_xgboost_including_unseen_and_invalid_categories(
        tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = categorical_rows(rng, 2000)
    y = (np.isin(x[:, 0], [3, 7, 11, 19, 33]) * 2.0 + x[:, 1] + (x[:, 2] == 4)
         + rng.normal(scale=0.1, size=len(x)))
    matrix = xgb.DMatrix(x, label=y, feature_types=["c", "q", "c"], enable_categorical=True)
    booster = xgb.train({"max_depth": 4, "max_cat_to_onehot": 1, "seed": 0}, matrix, 30)
    probe = categorical_rows(rng, 300)
    probe[:20, 0] = [np.nan, -1, -0.5, 2.5, 39.9, 40, 63, 64, 1e6, 2.0 ** 24, 2.0 ** 25, 1e30,
                     -1e30, 0, 31, 32, 33, 7.999, 7, 3.0001]
    probe[20:40, 2] = np.nan
    outputs = xgboost_outputs(booster, "reg:squarederror", probe)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    write_parity_file(model_dir / "parity.csv", ["a", "b", "c"], probe, outputs, ["value"],
                      "value")
    sources = c_sources(booster)
    assert "CATEGORICAL" not in sources.refused
    write_c_source(sources.files["arrays"], model_dir / "c")
    assert "{.categories = " in sources.files["arrays"]["main.c"]
    assert check(model_dir, tmp_path / "out").endswith("OK")


def test_a_batch_split_across_threads_gives_the_single_thread_outputs(tmp_path: Path) -> None:
    import_as(tmp_path, train("multi:softprob", rounds=30, max_depth=5), "multi", "arrays")
    library = tmp_path / "out" / "libmodel.so"
    check(tmp_path / "model", tmp_path / "out")
    rng = np.random.default_rng(1)
    rows = rng.normal(loc=4.0, scale=2.0, size=(5003, 4))
    rows[rng.random(rows.shape) < 0.1] = math.nan
    values = array("d", rows.ravel().tolist())
    one = CompiledEngine(str(library), 4, 3, threads=1).predict(values, len(rows))
    two = CompiledEngine(str(library), 4, 3, threads=2, min_rows_per_thread=64)
    assert two.predict(values, len(rows)) == one
    assert two.versions()["layout"] == "arrays"


def test_an_infinite_value_in_a_threaded_batch_is_refused_with_its_index(tmp_path: Path) -> None:
    import_as(tmp_path, train("reg:squarederror"), "reg", "arrays")
    check(tmp_path / "model", tmp_path / "out")
    engine = CompiledEngine(str(tmp_path / "out" / "libmodel.so"), 10, 1, threads=2,
                            min_rows_per_thread=8)
    values = array("d", [0.5] * 10 * 100)
    values[10 * 90 + 3] = math.inf
    with pytest.raises(Exception, match="status -905"):
        engine.predict(values, 100)


def test_a_model_too_large_for_if_else_is_not_compiled_that_way(tmp_path: Path) -> None:
    booster = train("reg:squarederror", rounds=20)
    x = np.random.default_rng(2).normal(size=(50, 10))
    (tmp_path / "parity.csv").parent.mkdir(exist_ok=True)
    write_parity_file(tmp_path / "parity.csv", [f"f{i}" for i in range(10)], x,
                      xgboost_outputs(booster, "reg:squarederror", x), ["value"], "value")
    choice = choose_layout(c_sources(booster), tmp_path / "parity.csv", x, log=lambda _: None,
                           ifelse_max_nodes=10)
    assert choice.layout == "arrays"
    assert "more than 10" in choice.skipped["ifelse"]
    assert list(choice.figures) == ["arrays"]


def test_a_small_model_keeps_if_else_without_a_measurement_noise_could_decide(
        tmp_path: Path) -> None:
    booster = train("reg:squarederror", rounds=20)
    x = np.random.default_rng(2).normal(size=(50, 10))
    write_parity_file(tmp_path / "parity.csv", [f"f{i}" for i in range(10)], x,
                      xgboost_outputs(booster, "reg:squarederror", x), ["value"], "value")
    choice = choose_layout(c_sources(booster), tmp_path / "parity.csv", x, log=lambda _: None)
    assert choice.layout == "ifelse" and list(choice.figures) == ["ifelse"]
    assert "fewer than 2000" in choice.skipped["arrays"]
    measured = choose_layout(c_sources(booster), tmp_path / "parity.csv", x,
                             log=lambda _: None, arrays_min_nodes=0)
    assert sorted(measured.figures) == ["arrays", "ifelse"]


@pytest.mark.parametrize(("quota", "period", "cpus"), [
    ("max", "100000", None), ("-1", "100000", None), ("100000", "100000", 1),
    ("150000", "100000", 2), ("600000", "100000", 6), ("50000", "100000", 1)])
def test_a_cgroup_cpu_quota_reads_as_whole_cpus(quota: str, period: str, cpus: int | None
                                                ) -> None:
    assert quota_cpus(quota, period) == cpus
