"""Large user models in `make bench`: our compiled engine against XGBoost and ONNX Runtime.

Two models are built as a user would bring them and imported with `make model`'s importer:
  digits-3000     sklearn's digits, multi:softprob, 10 classes, 300 rounds, depth 6
  regression-200  sklearn's diabetes with 30% of values missing, 200 rounds, depth 4
Each is imported twice: with the layout the importer measures and keeps, and forced to
if/else (what every model got before the arrays layout), so before and after come from
the same run. Engines are timed in this process, one thread each unless said: a single
row (the model's rows in turn), 10,000 rows in one call, and a cold start (a fresh Python
process: import, load, first row; client-timed, interpreter start included). Every figure
is also given as a ratio to our compiled engine's (>1: slower than ours); 10,000 rows also
as process CPU time, all threads summed, which a busy machine moves less than wall time.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb
from sklearn.datasets import load_diabetes, load_digits

from devkit.paths import ROOT

ROWS = 10_000
Predict = Callable[[np.ndarray], Any]


@dataclass(frozen=True)
class BigModel:
    name: str
    booster: Callable[[], tuple[xgb.Booster, np.ndarray]]


def digits() -> tuple[xgb.Booster, np.ndarray]:
    x, y = load_digits(return_X_y=True)
    params = {"objective": "multi:softprob", "num_class": 10, "max_depth": 6, "seed": 0,
              "nthread": 2}
    return xgb.train(params, xgb.DMatrix(x, label=y), 300), x


def regression() -> tuple[xgb.Booster, np.ndarray]:
    x, y = load_diabetes(return_X_y=True)
    x = x.copy()
    x[np.random.default_rng(0).random(x.shape) < 0.3] = np.nan
    params = {"objective": "reg:squarederror", "max_depth": 4, "eta": 0.05, "seed": 0,
              "nthread": 2}
    return xgb.train(params, xgb.DMatrix(x, label=y), 200), x


MODELS = (BigModel("digits-3000", digits), BigModel("regression-200", regression))


def build(model: BigModel, state: Path, log: Callable[[str], None]) -> dict[str, Any]:
    """Model file, imported artifacts and host library per layout; the data set's rows."""
    base = state.resolve() / model.name
    base.mkdir(parents=True, exist_ok=True)
    booster, x = model.booster()
    model_file = base / "model.json"
    booster.save_model(model_file)
    built: dict[str, Any] = {"x": x, "booster": booster, "dirs": {}}
    for variant, args in (("chosen", []), ("ifelse", ["--layout", "ifelse"])):
        model_dir = base / variant
        log(f"{model.name}: importing ({variant})")
        started = time.perf_counter()
        imported = subprocess.run([sys.executable, str(ROOT / "train-code" / "import_model.py"),
                                   str(model_file), "--output-dir", str(model_dir / "model"),
                                   *args], capture_output=True, text=True, check=True)
        made = subprocess.run(["make", "-s", "-C", str(ROOT / "app" / "native"), "check",
                               f"OUT={model_dir / 'lib'}", f"MODEL_DIR={model_dir / 'model'}"],
                              capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - started
        metadata = json.loads((model_dir / "model" / "metadata.json").read_text())
        built["dirs"][variant] = {
            "dir": model_dir, "seconds": seconds, "layout": metadata["compiled_layout"],
            "parity": made.stdout.strip().splitlines()[-1],
            "choice_log": [ln for ln in imported.stdout.splitlines() if ln.startswith("layout")]}
    return built


def compiled_engine(library: Path, x: np.ndarray, outputs: int, threads: int) -> Predict:
    """The compiled engine on its own copy of the library: the thread setting is a global of
    the loaded library, and one path loads once per process, so two engines on one file
    would both run with whichever setting came last."""
    sys.path.insert(0, str(ROOT / "app"))
    from inference.engines.compiled import CompiledEngine

    own = library.with_name(f"{library.stem}-{threads}-threads{library.suffix}")
    shutil.copyfile(library, own)
    library = own

    engine = CompiledEngine(str(library), x.shape[1], outputs, threads=threads,
                            min_rows_per_thread=64 if threads > 1 else 1 << 40)
    from array import array

    def predict(rows: np.ndarray) -> Any:
        return engine.predict(array("d", rows.astype(np.float64).tobytes()), len(rows))

    return predict


def onnx_engine(booster: xgb.Booster, n_features: int, path: Path) -> Predict:
    import onnxruntime as ort
    from onnxmltools import convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType

    if not path.is_file():
        converted = convert_xgboost(booster, initial_types=[
            ("input", FloatTensorType([None, n_features]))])
        path.write_bytes(converted.SerializeToString())
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return lambda rows: session.run(None, {"input": rows.astype(np.float32)})


def xgboost_engine(booster: xgb.Booster) -> Predict:
    booster.set_param({"nthread": 1})
    return lambda rows: booster.inplace_predict(rows)


def median_ms(predict: Predict, rows: np.ndarray, rounds: int) -> tuple[float, float]:
    """Wall and process CPU time (all threads): CPU time moves less on a busy machine."""
    predict(rows)
    times, cpu = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        predict(rows)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(times) * 1000, statistics.median(cpu) * 1000


def single_row_us(predict: Predict, x: np.ndarray, rounds: int) -> float:
    rows = [x[i:i + 1] for i in range(min(len(x), 200))]
    per_round = []
    for _ in range(rounds):
        started = time.perf_counter()
        for row in rows:
            predict(row)
        per_round.append((time.perf_counter() - started) / len(rows))
    return statistics.median(per_round) * 1e6


COLD = {
    "compiled": ("import sys; sys.path.insert(0, {app!r}); from array import array\n"
                 "from inference.engines.compiled import CompiledEngine\n"
                 "e = CompiledEngine({lib!r}, {nf}, {no}); e.predict(array('d', [0.0] * {nf}), 1)"),
    "xgboost": ("import numpy, xgboost; b = xgboost.Booster(model_file={model!r})\n"
                "b.set_param({{'nthread': 1}}); b.inplace_predict(numpy.zeros((1, {nf})))"),
    "onnxruntime": ("import numpy, onnxruntime as o; s = o.InferenceSession({onnx!r}, "
                    "providers=['CPUExecutionProvider'])\n"
                    "s.run(None, {{'input': numpy.zeros((1, {nf}), numpy.float32)}})"),
}


def cold_ms(code: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(model: BigModel, state: Path, rounds: int, log: Callable[[str], None]
            ) -> dict[str, Any]:
    built = build(model, state, log)
    x, booster = built["x"], built["booster"]
    batch = np.ascontiguousarray(x[np.random.default_rng(0).integers(0, len(x), ROWS)])
    chosen, ifelse = built["dirs"]["chosen"], built["dirs"]["ifelse"]
    outputs = json.loads((chosen["dir"] / "model" / "metadata.json").read_text())["num_outputs"]
    onnx_path = state.resolve() / model.name / "model.onnx"
    engines: dict[str, Predict] = {
        "compiled": compiled_engine(chosen["dir"] / "lib" / "libmodel.so", x, outputs, 1),
        "compiled, 2 threads": compiled_engine(chosen["dir"] / "lib" / "libmodel.so", x,
                                               outputs, 2),
        "compiled if/else (before)": compiled_engine(ifelse["dir"] / "lib" / "libmodel.so", x,
                                                     outputs, 1),
        "xgboost inplace_predict": xgboost_engine(booster),
        "onnxruntime": onnx_engine(booster, x.shape[1], onnx_path),
    }
    log(f"{model.name}: timing {', '.join(engines)}")
    figures: dict[str, dict[str, float]] = {name: {} for name in engines}
    for name, predict in engines.items():
        figures[name]["1 row (µs)"] = single_row_us(predict, x, rounds)
        wall, cpu = median_ms(predict, batch, rounds)
        figures[name][f"{ROWS} rows (ms)"] = wall
        figures[name][f"{ROWS} rows CPU (ms)"] = cpu
    values = {"app": str(ROOT / "app"), "nf": x.shape[1], "no": outputs,
              "model": str(state.resolve() / model.name / "model.json"), "onnx": str(onnx_path)}
    for name, key in (("compiled", "compiled"), ("xgboost inplace_predict", "xgboost"),
                      ("onnxruntime", "onnxruntime")):
        lib = chosen if name == "compiled" else ifelse
        code = COLD[key].format(lib=str(lib["dir"] / "lib" / "libmodel.so"), **values)
        figures[name]["cold (ms)"] = cold_ms(code, max(3, rounds))
    return {"figures": figures, "layout": chosen["layout"], "parity": chosen["parity"],
            "choice_log": chosen["choice_log"],
            "import_and_build_s": {k: round(v["seconds"], 1) for k, v in built["dirs"].items()}}


def table(name: str, part: dict[str, Any]) -> str:
    figures = part["figures"]
    ours = figures["compiled"]
    metrics = list(ours)
    lines = [f"{name}: layout {part['layout']['layout']} "
             f"(import + make lib {part['import_and_build_s']['chosen']} s; forced if/else "
             f"{part['import_and_build_s']['ifelse']} s); {part['parity']}",
             *(f"  {line}" for line in part["choice_log"]),
             f"  {'engine (one thread unless said)':<28}" + "".join(
                 f"{m:>22}{'':>8}" for m in metrics)]
    for engine, values in figures.items():
        cells = "".join(f"{values[m]:>22.1f}{values[m] / ours[m]:>7.2f}×" if m in values
                        else f"{'':>22}{'':>8}" for m in metrics)
        lines.append(f"  {engine:<28}{cells}")
    return "\n".join(lines)


def big_models(state: Path, rounds: int, log: Callable[[str], None]) -> dict[str, Any]:
    return {model.name: measure(model, state, rounds, log) for model in MODELS}
