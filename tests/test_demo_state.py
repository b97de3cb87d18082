"""`make model` restores the demo whenever the model directory is not the demo's own output
(retrained with other options, imported, edited); `make demo`'s sample request for an imported
model says what its rows are (SAMPLE rows, or synthetic rows that are not data)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT
from model_build.demo_state import why_not_the_demo

TRAIN = ROOT / "train-code" / "train.py"
IMPORT = ROOT / "train-code" / "import_model.py"


def train(output_dir: Path, *options: str) -> None:
    subprocess.run([sys.executable, str(TRAIN), "--output-dir", str(output_dir),
                    "--layout", "ifelse", *options], check=True, capture_output=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo as `make model` trains it (the layout forced: the measurement is not tested)."""
    output = tmp_path_factory.mktemp("demo") / "model"
    train(output)
    return output


def copy_of(demo: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(demo, tmp_path / "model"))


def test_the_demos_own_output_is_recognised(demo: Path) -> None:
    assert why_not_the_demo(demo) is None
    assert why_not_the_demo(demo, "ifelse") is None
    assert why_not_the_demo(demo, "arrays") == "its C is in layout ifelse, LAYOUT=arrays was asked"


@pytest.mark.parametrize("edit", ["model.ubj", "c/main.c", "metadata.json", "extra file"])
def test_an_edited_demo_is_not_the_demo(demo: Path, tmp_path: Path, edit: str) -> None:
    model = copy_of(demo, tmp_path)
    if edit == "metadata.json":
        metadata = json.loads((model / edit).read_text())
        metadata["class_names"] = ["bad", "good"]
        (model / edit).write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\n")
    elif edit == "extra file":
        (model / "c" / "extra.c").write_text("int x;\n")
    else:
        with (model / edit).open("ab") as file:
            file.write(b"\n")
    assert "changed since training" in str(why_not_the_demo(model))


def test_a_retrained_or_imported_model_is_not_the_demo(tmp_path: Path) -> None:
    retrained = tmp_path / "retrained"
    train(retrained, "--rounds", "5", "--early-stopping", "0", "--eta", "0.3")
    assert why_not_the_demo(retrained) == ("it was trained with other options (rounds 5, "
                                           "eta 0.3, early_stopping 0)")
    result = subprocess.run([sys.executable, str(IMPORT), str(retrained / "model.ubj"),
                             "--output-dir", str(tmp_path / "imported"), "--layout", "ifelse"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert why_not_the_demo(tmp_path / "imported") == "it holds an imported model (model.ubj)"
    assert "cannot be read" in str(why_not_the_demo(tmp_path / "nothing"))


def make_model(model_out: Path) -> subprocess.CompletedProcess[str]:
    outer_make = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    env = {k: v for k, v in os.environ.items() if k not in outer_make}
    return subprocess.run(["make", "-s", "model", f"MODEL_OUT={model_out}", "LAYOUT=ifelse"],
                          cwd=ROOT, env=env, capture_output=True, text=True)


def test_make_model_restores_the_demo_after_a_retrain_and_keeps_it_after(
        demo: Path, tmp_path: Path) -> None:
    model = tmp_path / "model"
    train(model, "--rounds", "300", "--max-depth", "4", "--eta", "0.05")
    restored = make_model(model)
    assert restored.returncode == 0, restored.stderr
    assert (f"{model} is not the demo's own output: it was trained with other options "
            "(rounds 300, max_depth 4, eta 0.05); training the demo") in restored.stderr
    metadata = json.loads((model / "metadata.json").read_text())
    assert metadata["training"]["rounds"] == 100 and why_not_the_demo(model) is None
    assert (model / "model.ubj").read_bytes() == (demo / "model.ubj").read_bytes()
    kept = make_model(model)
    assert kept.returncode == 0 and kept.stdout == kept.stderr == ""


def imported_at(tmp_path: Path, demo: Path, *options: str) -> Path:
    model = tmp_path / "app-model"
    result = subprocess.run([sys.executable, str(IMPORT), str(demo / "model.ubj"),
                             "--output-dir", str(model), "--layout", "ifelse", *options],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return model


@pytest.fixture()
def demo_module(monkeypatch, tmp_path: Path):
    from devkit import model as module

    def serving(model: Path) -> None:
        monkeypatch.setattr(module, "MODEL_DIR", model)
    monkeypatch.setattr(module, "RESULTS", tmp_path / "results")
    return module, serving


def test_the_sample_request_of_an_imported_model_says_its_rows_are_synthetic(
        demo: Path, tmp_path: Path, demo_module) -> None:
    module, serving = demo_module
    serving(imported_at(tmp_path, demo))
    event, what = module.sample_event()
    assert what.startswith("synthetic rows (not data)") and "SAMPLE=rows.csv" in what
    assert len(json.loads(event.read_text())["instances"]) == 2


def test_the_sample_request_uses_sample_rows(demo: Path, tmp_path: Path, demo_module) -> None:
    module, serving = demo_module
    names = json.loads((demo / "metadata.json").read_text())["feature_names"]
    sample = tmp_path / "rows.csv"
    sample.write_text(",".join(names[::-1]) + "\n" + ",".join(["1.5"] * 29 + [""]) + "\n")
    serving(imported_at(tmp_path, demo, "--sample", str(sample)))
    event, what = module.sample_event()
    assert what == "rows of the SAMPLE given at import"
    assert json.loads(event.read_text())["instances"] == [[None] + [1.5] * 29]
    event, what = module.sample_event(sample)  # `make demo SAMPLE=rows.csv`
    assert what == f"rows of {sample}"
    assert json.loads(event.read_text())["instances"] == [[None] + [1.5] * 29]
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(module.SampleUnreadable, match="header names"):
        module.sample_event(tmp_path / "bad.csv")
