# long: quantile and multi-target cases × layouts × architectures share one set of fixtures
"""Quantile regression (one or several alphas) and multi-target regression (one output per
tree) imported and served: the compiled C in both layouts matches XGBoost on every output
of every parity row, on x86_64 and on aarch64 under qemu; the handler answers the documented
shapes with both engines, in our JSON, the Open Inference Protocol and SageMaker CSV; what
is still refused says why in one line."""

from __future__ import annotations

import base64
import json
import math
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost as xgb
from sklearn.datasets import load_diabetes

from artifact_contract import RELATIVE_TOLERANCE
from helpers import AARCH64_CC, APP_DIR, QEMU, ROOT, needs_tools, tool_marks
from lambda_compare.answers import predictions as compared_numbers
from lambda_compare.parity_rows import read_parity_rows
from local_lambda.arm64 import TOOLS as ARM64_TOOLS
from local_lambda.inprocess import load_handler_module
from model_build.c_source import c_sources, write_c_source
from test_open_inference import http_event
from test_sagemaker_csv import csv_event, csv_of

IMPORT = ROOT / "train-code" / "import_model.py"
NATIVE = APP_DIR / "native"
LAYOUTS = ("ifelse", "arrays")
ARCHES = ["host", pytest.param("aarch64", marks=tool_marks(AARCH64_CC, QEMU))]
PER_OUTPUT = re.compile(r"^per-output max_rel_diff:((?: \S+=\S+)+)$", re.MULTILINE)
TOLERANCE = RELATIVE_TOLERANCE  # as the parity check compares these outputs


def diabetes_with_missing() -> tuple[np.ndarray, np.ndarray]:
    x, y = load_diabetes(return_X_y=True)
    x = x.copy()
    x[np.random.default_rng(0).random(x.shape) < 0.1] = np.nan
    return x, y


def quantiles(alphas: list[float]) -> xgb.Booster:
    """eta 1 and depth 4: the raw quantiles of some rows cross, which XGBoost sorts."""
    x, y = diabetes_with_missing()
    return xgb.train({"objective": "reg:quantileerror", "quantile_alpha": alphas,
                      "max_depth": 4, "eta": 1.0, "nthread": 1, "seed": 0},
                     xgb.DMatrix(x, label=y), 12)


def three_targets() -> xgb.Booster:
    """Targets on different scales and signs: each needs its own intercept."""
    x, y = diabetes_with_missing()
    labels = np.c_[y, y / 100 + 7, -3 * y + 50 * np.nan_to_num(x[:, 2])]
    return xgb.train({"objective": "reg:squarederror", "multi_strategy": "one_output_per_tree",
                      "max_depth": 3, "nthread": 1, "seed": 0},
                     xgb.DMatrix(x, label=labels), 12)


@dataclass
class Case:
    booster: xgb.Booster
    model_dir: Path
    import_output: str
    outputs: list[str]  # the alphas as text, or the target names


CASES = {
    "quantile-3": (lambda: quantiles([0.1, 0.5, 0.9]), ()),
    "quantile-1": (lambda: quantiles([0.5]), ()),
    "targets-3": (three_targets, ("--targets", "price,rate,margin")),
}


def run_import(model: Path, output_dir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(IMPORT), str(model), "--output-dir",
                           str(output_dir), *options], capture_output=True, text=True)


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Any:
    """Each case trained, saved as a user saves it and imported once."""
    cache: dict[str, Case] = {}

    def get(name: str) -> Case:
        if name not in cache:
            make, options = CASES[name]
            booster = make()
            where = tmp_path_factory.mktemp(name)
            booster.save_model(where / f"{name}.json")
            result = run_import(where / f"{name}.json", where / "model", *options)
            assert result.returncode == 0, result.stderr
            metadata = json.loads((where / "model" / "metadata.json").read_text())
            cache[name] = Case(booster, where / "model", result.stdout, metadata["output_names"])
        return cache[name]
    return get


def with_layout(case: Case, layout: str, target: Path) -> Path:
    """The imported artifacts with the C in `layout` (the import keeps the faster one)."""
    shutil.copytree(case.model_dir, target)
    write_c_source(c_sources(case.booster).files[layout], target / "c")
    return target


def make_native(model_dir: Path, out: Path, goal: str, arch: str = "host"
                ) -> subprocess.CompletedProcess[str]:
    cross = ([f"CC={AARCH64_CC}", "ARCH=aarch64", f"RUN={QEMU} -L /usr/aarch64-linux-gnu"]
             if arch == "aarch64" else [])
    return subprocess.run(["make", "-s", "-C", str(NATIVE), goal, f"MODEL_DIR={model_dir}",
                           f"OUT={out}", *cross], capture_output=True, text=True)


def xgboost_says(booster: xgb.Booster, rows: list[list[float | None]]) -> np.ndarray:
    x = np.array([[math.nan if v is None else v for v in row] for row in rows])
    return np.asarray(booster.inplace_predict(x, missing=np.nan)).reshape(len(rows), -1)


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_output_matches_xgboost_in_both_layouts(tmp_path: Path, imported, name: str,
                                                      layout: str, arch: str) -> None:
    case = imported(name)
    model_dir = with_layout(case, layout, tmp_path / "model")
    result = make_native(model_dir, tmp_path / "out", "check", arch)
    assert result.returncode == 0 and result.stdout.rstrip().endswith(" OK"), (
        result.stdout + result.stderr)
    print(f"{name} layout={layout} {result.stdout.strip()}")
    assert f"outputs={len(case.outputs)} " in result.stdout
    prefix = "quantile_" if name.startswith("quantile") else "value_"
    if len(case.outputs) > 1:
        per_output = PER_OUTPUT.search(result.stdout)
        assert per_output, result.stdout
        cells = dict(cell.split("=") for cell in per_output[1].split())
        assert list(cells) == [prefix + output for output in case.outputs]
        assert all(float(diff) <= TOLERANCE for diff in cells.values())
    header = (model_dir / "parity.csv").read_text().split("\n", 1)[0].split(",")
    assert header[-len(case.outputs):] == [prefix + output for output in case.outputs]


def test_the_import_names_the_outputs_and_the_metadata_records_them(imported) -> None:
    three, one, targets = imported("quantile-3"), imported("quantile-1"), imported("targets-3")
    assert "outputs: 3 quantile alphas 0.1, 0.5, 0.9" in three.import_output
    assert "outputs: 1 quantile alphas 0.5" in one.import_output
    assert "outputs: 3 targets price, rate, margin" in targets.import_output
    metadata = json.loads((three.model_dir / "metadata.json").read_text())
    assert (metadata["output_kind"], metadata["num_outputs"], metadata["num_targets"]) == (
        "quantile", 3, 3)
    assert metadata["output_names"] == ["0.1", "0.5", "0.9"]
    assert metadata["parity"]["compare"] == "relative"


def test_each_target_starts_from_its_own_intercept(imported) -> None:
    """TL2cgen writes the first target's base_score for every target; the C must not."""
    case = imported("targets-3")
    learner = json.loads(case.booster.save_raw("json"))["learner"]
    base = [float(v) for v in learner["learner_model_param"]["base_score"].strip("[]").split(",")]
    assert len(set(base)) == 3
    for layout in LAYOUTS:
        main_c = c_sources(case.booster).files[layout]["main.c"]
        written = [float(v) for v in re.findall(r"result\[\d\] \+= ([^;]+);\n", main_c)[:3]]
        assert written == [float(np.float32(v)) for v in base], layout


def test_the_parity_rows_hold_crossing_quantiles_and_xgboost_sorts_them(imported) -> None:
    """XGBoost's prediction is each row's quantiles in ascending order; the raw sums (the
    margins) of some parity rows cross, so the gate checks the C's sort too."""
    case = imported("quantile-3")
    parity = read_parity_rows(case.model_dir / "parity.csv")
    x = np.array([[math.nan if v is None else v for v in row] for row in parity.rows])
    margins = case.booster.predict(xgb.DMatrix(x, missing=np.nan), output_margin=True)
    assert (np.diff(margins, axis=1) < 0).any(axis=1).sum() >= 1
    assert np.array_equal(np.sort(margins, axis=1), np.array(parity.outputs, dtype=np.float32))


def answer_values(name: str, case: Case, prediction: dict[str, Any]) -> list[float]:
    """The values of one prediction, after checking its documented shape."""
    if name.startswith("quantile"):
        assert list(prediction) == ["quantiles"]
        assert list(prediction["quantiles"]) == case.outputs
        return list(prediction["quantiles"].values())
    assert list(prediction) == ["values"] and len(prediction["values"]) == len(case.outputs)
    return list(prediction["values"])


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_handler_serves_every_output_with_both_engines(tmp_path: Path, imported, name: str,
                                                           layout: str) -> None:
    case = imported(name)
    model_dir = with_layout(case, layout, tmp_path / "model")
    built = make_native(model_dir, tmp_path / "lib", "all")
    assert built.returncode == 0, built.stderr
    parity = read_parity_rows(model_dir / "parity.csv")
    expected = xgboost_says(case.booster, parity.rows)
    for engine in ("compiled", "xgboost"):
        module = load_handler_module(APP_DIR / "app.py", {
            "INFERENCE_ENGINE": engine, "MODEL_DIR": str(model_dir),
            "MODEL_LIBRARY": str(tmp_path / "lib" / "libmodel.so")}, f"mo_{name}_{layout}_{engine}")
        answer = json.loads(module.lambda_handler({"instances": parity.rows}, None))
        got = np.array([answer_values(name, case, p) for p in answer["predictions"]])
        worst = (np.abs(got - expected) / np.maximum(1, np.abs(expected))).max(axis=0)
        print(f"serve {name} layout={layout} engine={engine} rows={len(got)} worst per output "
              + " ".join(f"{o}={w:.3g}" for o, w in zip(case.outputs, worst, strict=True)))
        assert (worst <= TOLERANCE).all()
        # the compare tool reads every output of both functions' answers
        assert compared_numbers(json.dumps(answer).encode()).numbers == got.ravel().tolist()
        assert_protocol_answers(module, case, parity.rows[:3], got[:3])
        described = json.loads(module.lambda_handler({"action": "describe"}, None))
        if name.startswith("quantile"):
            assert described["quantile_alphas"] == [float(o) for o in case.outputs]
        else:
            assert described["target_names"] == case.outputs


def assert_protocol_answers(module: Any, case: Case, rows: list[list[float | None]],
                            ours: np.ndarray) -> None:
    """Open Inference Protocol: one FP64 [N, K] tensor; SageMaker CSV: a line per row."""
    width = len(case.outputs)
    name = "quantiles" if module.PREDICTOR.bundle.output_kind == "quantile" else "values"
    path = f"/v2/models/{module.PREDICTOR.bundle.model_version}/infer"
    body = json.dumps({"inputs": [{"name": "input-0", "shape": [len(rows), len(rows[0])],
                                   "datatype": "FP64",
                                   "data": [v for row in rows for v in row]}]})
    response = module.lambda_handler(http_event(path, "POST", body), None)
    assert response["statusCode"] == 200, response["body"]
    (tensor,) = json.loads(response["body"])["outputs"]
    assert (tensor["name"], tensor["datatype"], tensor["shape"]) == (
        name, "FP64", [len(rows), width])
    assert np.array_equal(np.array(tensor["data"]).reshape(len(rows), width), ours)
    metadata = json.loads(module.lambda_handler(
        http_event(f"/v2/models/{module.PREDICTOR.bundle.model_version}"), None)["body"])
    assert metadata["outputs"] == [{"name": name, "datatype": "FP64", "shape": [-1, width]}]
    text = module.lambda_handler(csv_event(csv_of(rows)), None)["body"]
    lines = text.split("\n") if width > 1 else [text]
    scores = [[float(s) for s in line.split(",")] for line in lines]
    assert np.array_equal(np.array(scores).reshape(len(rows), width), ours)


@pytest.mark.slow
@needs_tools(*ARM64_TOOLS)
@pytest.mark.parametrize("name", ["quantile-3", "targets-3"])
def test_the_emulated_arm64_function_serves_every_output(tmp_path: Path, imported,
                                                         name: str) -> None:
    """The arm64 function of the template, its aarch64 code run under qemu (compiled engine)."""
    from local_lambda.launcher import local_runtime

    case = imported(name)
    project = tmp_path / "project"
    shutil.copytree(APP_DIR, project / "app", ignore=shutil.ignore_patterns("build", "model"))
    shutil.copytree(case.model_dir, project / "app" / "model")
    shutil.copy(ROOT / "template.yaml", project / "template.yaml")
    parity = read_parity_rows(case.model_dir / "parity.csv")
    expected = xgboost_says(case.booster, parity.rows)
    with local_runtime(project / "template.yaml", emulate_arm64=True) as runtime:
        response = runtime.client().invoke(
            FunctionName="XGBoostInferenceArm64Function", LogType="Tail",
            Payload=json.dumps({"instances": parity.rows}).encode())
    assert "FunctionError" not in response
    report = base64.b64decode(response["LogResult"]).decode().splitlines()[-1]
    assert "EMULATED aarch64 under qemu" in report
    answer = json.loads(response["Payload"].read())
    got = np.array([answer_values(name, case, p) for p in answer["predictions"]])
    worst = (np.abs(got - expected) / np.maximum(1, np.abs(expected))).max(axis=0)
    print(f"serve {name} engine={answer['engine']} arch=aarch64 (emulated) rows={len(got)} "
          "worst per output " + " ".join(f"{o}={w:.3g}" for o, w in
                                         zip(case.outputs, worst, strict=True)))
    assert (worst <= TOLERANCE).all()


def refused(tmp_path: Path, booster: xgb.Booster, *options: str) -> str:
    booster.save_model(tmp_path / "model.json")
    result = run_import(tmp_path / "model.json", tmp_path / "refused", *options)
    assert result.returncode == 2 and not (tmp_path / "refused").exists(), result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("import_model: "), result.stderr
    return lines[0]


def test_vector_leaves_are_refused_saying_why(tmp_path: Path) -> None:
    x, y = diabetes_with_missing()
    booster = xgb.train({"objective": "reg:squarederror", "multi_strategy": "multi_output_tree",
                         "max_depth": 2, "nthread": 1}, xgb.DMatrix(x, label=np.c_[y, -y]), 2)
    line = refused(tmp_path, booster)
    assert line.startswith("import_model: model_not_served: the model has vector leaves "
                           "(objective 'reg:squarederror', multi_strategy='multi_output_tree')")
    assert "one_output_per_tree" in line


@pytest.mark.parametrize("objective", ["survival:cox", "survival:aft"])
def test_survival_objectives_are_refused_saying_why(tmp_path: Path, objective: str) -> None:
    x, y = load_diabetes(return_X_y=True)
    matrix = xgb.DMatrix(x, label=y)
    if objective == "survival:aft":
        matrix.set_float_info("label_lower_bound", y)
        matrix.set_float_info("label_upper_bound", y)
    line = refused(tmp_path, xgb.train({"objective": objective, "nthread": 1}, matrix, 2))
    assert line.startswith(f"import_model: unsupported_objective: objective {objective!r} is "
                           "not supported: survival outputs")
    assert "reg:quantileerror" in line  # listed among the supported ones


def test_target_names_must_fit_the_model(tmp_path: Path) -> None:
    assert "2 target names given, the model has 3 targets" in refused(
        tmp_path, three_targets(), "--targets", "a,b")
    assert "target names given, but the model" in refused(
        tmp_path, quantiles([0.1, 0.9]), "--targets", "low,high")
