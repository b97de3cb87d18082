"""Serving an imported model: for every supported objective, the handler (both engines)
answers every parity row, missing values included, as XGBoost predicts it, in the documented
shape of the model's output kind; on aarch64 too, under qemu, for one multiclass and one
regression model (slow)."""

from __future__ import annotations

import base64
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from helpers import APP_DIR, ROOT, needs_tools
from lambda_compare.parity_rows import read_parity_rows
from local_lambda.arm64 import TOOLS as ARM64_TOOLS
from local_lambda.inprocess import load_handler_module
from user_models import OBJECTIVES, save, train

IMPORT = ROOT / "train-code" / "import_model.py"
ENGINES = ("compiled", "xgboost")
ROUNDING = 5e-10  # 9 decimals, rounded half up
# Worst difference per (objective, engine), printed for the record (pytest -s).
WORST: dict[tuple[str, str], float] = {}


def import_model(tmp_path: Path, objective: str) -> tuple[xgb.Booster, Path, Path]:
    """Train, export as a user would, `import_model.py` it and build its host library."""
    booster = train(objective)
    model_dir = tmp_path / "model"
    result = subprocess.run([sys.executable, str(IMPORT), str(save(booster, tmp_path, objective)),
                             "--output-dir", str(model_dir)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "lib"
    built = subprocess.run(["make", "-s", "-C", str(APP_DIR / "native"), "all",
                            f"MODEL_DIR={model_dir}", f"OUT={out}"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return booster, model_dir, out / "libmodel.so"


def handler(model_dir: Path, library: Path, engine: str, name: str) -> ModuleType:
    env = {"INFERENCE_ENGINE": engine, "MODEL_DIR": str(model_dir),
           "MODEL_LIBRARY": str(library)}
    return load_handler_module(APP_DIR / "app.py", env, name)


def xgboost_says(booster: xgb.Booster, objective: str,
                 rows: list[list[float | None]]) -> np.ndarray:
    """XGBoost's own prediction, NaN for missing; class probabilities for multi:softmax."""
    if objective == "multi:softmax":
        booster = booster.copy()
        booster.set_param({"objective": "multi:softprob"})
    x = np.array([[math.nan if v is None else v for v in row] for row in rows], dtype=np.float64)
    return np.asarray(booster.inplace_predict(x, missing=np.nan)).reshape(len(rows), -1)


def ask(module: ModuleType, rows: list[list[float | None]]) -> dict[str, Any]:
    """Every row at once through a Function URL (the C reader for the compiled engine)."""
    event = {"version": "2.0", "requestContext": {"http": {"method": "POST"}},
             "body": json.dumps({"instances": rows}), "isBase64Encoded": False}
    response = module.lambda_handler(event, None)
    assert response["statusCode"] == 200, response["body"][:300]
    return json.loads(response["body"])


def worst_difference(metadata: dict[str, Any], predictions: list[dict[str, Any]],
                     expected: np.ndarray) -> float:
    """Checks each answer's shape and returns the worst difference from XGBoost, measured as
    the parity criterion measures it (absolute, or relative to max(1, |xgboost|))."""
    kind, values = metadata["output_kind"], metadata["output_values"]
    classes = metadata["class_names"]
    assert len(predictions) == len(expected)
    worst = 0.0
    for answer, want in zip(predictions, expected, strict=True):
        if kind == "binary":
            index = answer["class_index"]
            assert answer["label"] == classes[index]
            if values == "probability":
                p = answer["probabilities"]
                assert list(p) == classes
                assert p[classes[0]] + p[classes[1]] == pytest.approx(1, abs=1e-15)
                worst = max(worst, abs(p[classes[1]] - want[0]) - ROUNDING)
                assert index == int(want[0] >= metadata["threshold"]) or abs(want[0] - 0.5) < 1e-6
            elif values == "margin":
                worst = max(worst, abs(answer["margin"] - want[0]) / max(1, abs(want[0])))
                assert index == int(answer["margin"] >= 0.0)
            else:
                assert set(answer) == {"label", "class_index"}
                worst = max(worst, abs(index - want[0]))
        elif kind == "multiclass":
            p = answer["probabilities"]
            assert list(p) == classes and answer["label"] == classes[answer["class_index"]]
            worst = max(worst, max(abs(p[c] - w) for c, w in zip(classes, want, strict=True))
                        - ROUNDING)
            assert want[answer["class_index"]] >= want.max() - 2e-6  # the arg-max, up to noise
        else:
            key = "score" if kind == "ranking" else "value"
            assert list(answer) == [key]
            worst = max(worst, abs(answer[key] - want[0]) / max(1, abs(want[0])))
    return max(worst, 0.0)


@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
def test_the_handler_serves_every_objective_as_xgboost_predicts(tmp_path: Path,
                                                                objective: str) -> None:
    booster, model_dir, library = import_model(tmp_path, objective)
    metadata = json.loads((model_dir / "metadata.json").read_text())
    parity = read_parity_rows(model_dir / "parity.csv")
    assert any(None in row for row in parity.rows), "the rows exercise missing values"
    expected = xgboost_says(booster, objective, parity.rows)
    tolerance = metadata["parity"]["tolerance"]
    for engine in ENGINES:
        module = handler(model_dir, library, engine, f"serve_{objective}_{engine}")
        document = ask(module, parity.rows)
        worst = worst_difference(metadata, document["predictions"], expected)
        WORST[objective, engine] = worst
        print(f"serve {objective} engine={engine} arch=x86_64 rows={len(parity.rows)} "
              f"worst={worst:.3g} ({metadata['parity']['compare']}, tolerance {tolerance})")
        assert worst <= tolerance, f"{objective} {engine}: {worst}"
        # One row by position, direct invoke, and describe: the same contract.
        single = json.loads(module.lambda_handler({"features": parity.rows[0]}, None))
        assert single["predictions"][0] == document["predictions"][0]
        described = json.loads(module.lambda_handler({"action": "describe"}, None))
        assert (described["objective"], described["output_kind"]) == (
            objective, metadata["output_kind"])
        assert described["feature_names"] == metadata["feature_names"]
        assert "result" not in single  # no flat result field for an imported model


def test_a_multiclass_answer_has_every_class_and_a_named_row_works(tmp_path: Path) -> None:
    _, model_dir, library = import_model(tmp_path, "multi:softprob")
    names = json.loads((model_dir / "metadata.json").read_text())["feature_names"]
    module = handler(model_dir, library, "compiled", "serve_named_multiclass")
    row = [5.1, None, 1.4, 0.2]
    named = {"features": dict(zip(names, row, strict=True))}
    by_name = json.loads(module.lambda_handler(named, None))
    by_position = json.loads(module.lambda_handler({"features": row}, None))
    assert by_name["predictions"] == by_position["predictions"]
    probabilities = by_name["predictions"][0]["probabilities"]
    # float32 softmax: the probabilities sum to 1 up to float32 rounding
    assert len(probabilities) == 3 and sum(probabilities.values()) == pytest.approx(1, abs=1e-6)


@pytest.mark.slow
@needs_tools(*ARM64_TOOLS)
@pytest.mark.parametrize("objective", ["multi:softprob", "reg:squarederror"])
def test_the_emulated_arm64_function_serves_an_imported_model(tmp_path: Path,
                                                             objective: str) -> None:
    from local_lambda.launcher import local_runtime

    booster, model_dir, _ = import_model(tmp_path, objective)
    project = tmp_path / "project"
    shutil.copytree(APP_DIR, project / "app", ignore=shutil.ignore_patterns("build", "model"))
    shutil.copytree(model_dir, project / "app" / "model")
    shutil.copy(ROOT / "template.yaml", project / "template.yaml")
    metadata = json.loads((model_dir / "metadata.json").read_text())
    parity = read_parity_rows(model_dir / "parity.csv")
    expected = xgboost_says(booster, objective, parity.rows)
    payload = json.dumps({"instances": parity.rows}).encode()
    with local_runtime(project / "template.yaml", emulate_arm64=True) as runtime:
        response = runtime.client().invoke(FunctionName="XGBoostInferenceArm64Function",
                                           Payload=payload, LogType="Tail")
    assert "FunctionError" not in response
    report = base64.b64decode(response["LogResult"]).decode().splitlines()[-1]
    assert "EMULATED aarch64 under qemu" in report
    document = json.loads(response["Payload"].read())
    worst = worst_difference(metadata, document["predictions"], expected)
    print(f"serve {objective} engine={document['engine']} arch=aarch64 (emulated) "
          f"rows={len(parity.rows)} worst={worst:.3g}")
    assert worst <= metadata["parity"]["tolerance"]
