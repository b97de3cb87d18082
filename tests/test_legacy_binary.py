"""Models in XGBoost's pre-2.0 binary format, written here by the converter's own XGBoost 2.1,
import and answer as that XGBoost answers the original file, on every parity row (x86_64,
and aarch64 under qemu); a corrupt one is refused in one line, a pickle never unpickled.

The converter environment (`make legacy-converter`, ~60 MB from PyPI once) is made once per
session by the `legacy_python` fixture, by the import's own code for it.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from artifact_contract import CONVERTED
from helpers import ROOT
from lambda_compare.parity_rows import read_parity_rows
from test_import_model import ARCHES, parity_check
from test_serve_imported import ENGINES, ask, handler, worst_difference

IMPORT = ROOT / "train-code" / "import_model.py"
NATIVE = ROOT / "app" / "native"
CONVERTER_VERSION = "2.1.4"
# What a user trained before 2023: synthetic data with missing values, saved in the old format.
WRITE_LEGACY = r"""
import sys
import numpy as np
import xgboost as xgb
objective, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
x = rng.normal(size=(300, 5))
score = x @ np.array([1.0, -0.6, 0.4, 0.0, 0.3])
x[rng.random(x.shape) < 0.1] = np.nan
params = {"objective": objective, "max_depth": 3, "eta": 0.3, "seed": 0, "nthread": 1}
matrix = xgb.DMatrix(x, label=(score > 0).astype(float))
if objective.startswith("multi:"):
    params["num_class"] = 3
    matrix.set_label(np.digitize(score, [-0.5, 0.5]).astype(float))
if objective.startswith("rank:"):
    matrix.set_label(np.digitize(score, [-0.5, 0.5, 1.5]).astype(float))
    matrix.set_group([20] * 15)
booster = xgb.train(params, matrix, num_boost_round=20)
open(out, "wb").write(booster.save_raw("deprecated"))
"""
SCORE_ROWS = r"""
import sys, json
import numpy as np
import xgboost as xgb
booster = xgb.Booster(model_file=sys.argv[1])
if json.loads(booster.save_config())["learner"]["objective"]["name"] == "multi:softmax":
    booster.set_param({"objective": "multi:softprob"})
rows = np.load(sys.argv[2])
np.save(sys.argv[3], np.asarray(booster.inplace_predict(rows, missing=np.nan), dtype=np.float64)
        .reshape(len(rows), -1))
"""
OBJECTIVES = ["binary:logistic", "multi:softprob", "rank:pairwise"]


@pytest.fixture(scope="session")
def legacy_python() -> Path:
    """The converter environment, installed as the import installs it on first use."""
    from model_build.legacy_binary import converter_python

    python = converter_python()
    version = subprocess.run([str(python), "-W", "ignore", "-c",
                              "import xgboost; print(xgboost.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == CONVERTER_VERSION
    return python


def write_legacy(python: Path, objective: str, out: Path) -> Path:
    subprocess.run([str(python), "-W", "ignore", "-c", WRITE_LEGACY, objective, str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes()[:4] == b"binf"
    return out


def run_import(model: Path, output_dir: Path, *options: str,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(IMPORT), str(model), "--output-dir",
                           str(output_dir), *options], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def imported_legacy(tmp_path_factory, legacy_python: Path) -> Any:
    """Each objective written in the legacy format and imported once: (file, model dir, stdout)."""
    cache: dict[str, tuple[Path, Path, str]] = {}

    def get(objective: str) -> tuple[Path, Path, str]:
        if objective not in cache:
            where = tmp_path_factory.mktemp(objective.replace(":", "-"))
            # Detected by content: the extension says nothing (.model, .bst, .bin alike).
            suffix = {"binary:logistic": ".model", "multi:softprob": ".bst"}.get(objective,
                                                                                 ".bin")
            original = write_legacy(legacy_python, objective, where / f"old{suffix}")
            result = run_import(original, where / "model")
            assert result.returncode == 0, result.stderr
            assert "Treelite" not in result.stderr and "Parallel compilation" not in result.stderr
            cache[objective] = original, where / "model", result.stdout
        return cache[objective]
    return get


def converter_outputs(python: Path, original: Path, rows: np.ndarray, scratch: Path) -> Any:
    """XGBoost 2.1's own outputs for the rows, from the original file, outside the importer."""
    np.save(scratch / "rows.npy", rows)
    subprocess.run([str(python), "-W", "ignore", "-c", SCORE_ROWS, str(original),
                    str(scratch / "rows.npy"), str(scratch / "out.npy")], check=True)
    return np.load(scratch / "out.npy")


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_a_legacy_file_imports_with_the_original_files_outputs_as_reference(
        tmp_path: Path, imported_legacy, legacy_python: Path, objective: str) -> None:
    original, model_dir, printed = imported_legacy(objective)
    print(printed)
    assert (f"converted {original.name} from XGBoost's legacy binary format with xgboost "
            f"{CONVERTER_VERSION}") in printed
    assert f"imported {original.name} (legacy binary, converted): objective {objective}" in printed
    metadata = json.loads((model_dir / "metadata.json").read_text())
    assert metadata["model_source"] == CONVERTED
    assert metadata["imported_from"]["format"] == "xgboost-legacy-binary"
    assert metadata["imported_from"]["converted_by"] == f"xgboost {CONVERTER_VERSION}"
    assert metadata["parity"]["outputs_from"] == f"xgboost {CONVERTER_VERSION}, original file"
    parity = read_parity_rows(model_dir / "parity.csv")
    rows = np.array([[np.nan if v is None else v for v in row] for row in parity.rows])
    assert np.isnan(rows).any(), "the parity rows exercise missing values"
    # The parity outputs are exactly XGBoost 2.1's on the original file ...
    reference = converter_outputs(legacy_python, original, rows, tmp_path)
    assert np.array_equal(np.array(parity.outputs), reference)
    # ... and this project's XGBoost gives them from the converted model.ubj.
    served = xgb.Booster(model_file=str(model_dir / "model.ubj"))
    ours = np.asarray(served.inplace_predict(rows, missing=np.nan)).reshape(len(rows), -1)
    assert np.abs(ours - reference).max() <= metadata["parity"]["tolerance"]


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_a_legacy_model_compiles_to_the_original_files_answers(
        tmp_path: Path, imported_legacy, objective: str, arch: str) -> None:
    _, model_dir, _ = imported_legacy(objective)
    match = parity_check(model_dir, tmp_path / arch, arch)
    print(f"legacy {objective} {match[0]}")
    assert int(match[2]) == json.loads((model_dir / "metadata.json").read_text())["parity_rows"]


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_both_engines_answer_a_legacy_model_like_the_original_file(
        tmp_path: Path, imported_legacy, objective: str) -> None:
    _, model_dir, _ = imported_legacy(objective)
    built = subprocess.run(["make", "-s", "-C", str(NATIVE), "all", f"MODEL_DIR={model_dir}",
                            f"OUT={tmp_path}"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    metadata = json.loads((model_dir / "metadata.json").read_text())
    parity = read_parity_rows(model_dir / "parity.csv")
    for engine in ENGINES:
        module = handler(model_dir, tmp_path / "libmodel.so", engine,
                         f"legacy_{objective}_{engine}")
        worst = worst_difference(metadata, ask(module, parity.rows)["predictions"],
                                 np.array(parity.outputs))
        print(f"legacy {objective} engine={engine} rows={len(parity.rows)} worst={worst:.3g}")
        assert worst <= metadata["parity"]["tolerance"]


HEADERLESS = r"""
import sys
import numpy as np
import xgboost as xgb
x = np.random.default_rng(3).normal(size=(200, 3))
booster = xgb.train({"objective": "reg:squarederror", "base_score": 0.5, "nthread": 1},
                    xgb.DMatrix(x, label=x[:, 0] * 2 + x[:, 1]), 10)
open(sys.argv[1], "wb").write(bytes(booster.save_raw("deprecated"))[4:])
"""


def test_a_file_without_the_binf_header_as_the_oldest_xgboost_wrote_imports(
        tmp_path: Path, legacy_python: Path) -> None:
    original = tmp_path / "oldest.model"
    subprocess.run([str(legacy_python), "-W", "ignore", "-c", HEADERLESS, str(original)],
                   check=True)
    assert original.read_bytes()[:4] == b"\x00\x00\x00\x3f"  # base_score 0.5 comes first
    result = run_import(original, tmp_path / "model", "--layout", "ifelse")
    assert result.returncode == 0, result.stderr
    assert "imported oldest.model (legacy binary, converted): objective reg:squarederror" in (
        result.stdout)
    assert "max_rel_diff=0 " in result.stdout


def one_line_refusal(tmp_path: Path, model: Path, code: str,
                     env: dict[str, str] | None = None) -> str:
    """The import refused `model` in one line with `code`, and left the output as it was."""
    output = tmp_path / "model"
    output.mkdir(exist_ok=True)
    (output / "keep.txt").write_text("the previous artifacts")
    result = run_import(model, output, env=env)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if "note: installing" not in line]
    assert len(lines) == 1 and lines[0].startswith(f"import_model: {code}: "), result.stderr
    assert sorted(p.name for p in output.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".model")) == []
    return lines[0]


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_corrupt_legacy_file_is_refused_in_one_line(tmp_path: Path, legacy_python: Path,
                                                      damage: str) -> None:
    good = write_legacy(legacy_python, "binary:logistic", tmp_path / "good.model").read_bytes()
    bad = tmp_path / "bad.model"
    bad.write_bytes(good[:len(good) // 3] if damage == "truncated"
                    else b"binf" + bytes(range(256)) * 8)
    line = one_line_refusal(tmp_path, bad, "legacy_conversion_failed")
    assert "XGBoost 2.1 cannot read the file as a legacy binary model" in line


def test_a_converter_that_cannot_be_installed_is_said_in_one_line(tmp_path: Path,
                                                                  legacy_python: Path) -> None:
    original = write_legacy(legacy_python, "binary:logistic", tmp_path / "old.model")
    line = one_line_refusal(tmp_path, original, "converter_unavailable",
                            env={"LEGACY_VENV": "/proc/no-such-environment"})
    assert "needs PyPI once" in line


def test_a_pickle_named_like_a_legacy_model_is_refused_and_never_unpickled(
        tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"

    class Trap:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.mkdir, (str(marker),))

    model = tmp_path / "old.bst"
    model.write_bytes(pickle.dumps(Trap()))
    line = one_line_refusal(tmp_path, model, "model_not_served")
    assert "Python pickle" in line and not marker.exists()


def test_a_conversion_that_changed_the_model_fails_the_import(tmp_path: Path,
                                                              legacy_python: Path) -> None:
    """The reference is the original file's: another booster than the converted one fails."""
    from model_build.import_errors import ImportRefused
    from model_build.legacy_binary import convert, verified_reference
    from model_build.objectives import output_spec

    original = write_legacy(legacy_python, "binary:logistic", tmp_path / "old.model")
    conversion = convert(original, tmp_path)
    converted = xgb.Booster(model_file=str(conversion.converted))
    rows = np.random.default_rng(1).normal(size=(50, 5))
    reference, figure = verified_reference(conversion, converted, output_spec(
        "binary:logistic"), rows, tmp_path)
    assert "max_abs_diff=0 " in figure and reference.shape == (50, 1)
    changed = converted[:7]  # one tree fewer: what a lossy conversion would give
    with pytest.raises(ImportRefused) as refused:
        verified_reference(conversion, changed, output_spec("binary:logistic"), rows, tmp_path)
    assert refused.value.code == "conversion_changed_model"
