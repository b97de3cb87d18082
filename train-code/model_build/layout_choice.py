"""Which compiled layout a model ships with, chosen by measuring both on its parity rows.

Each candidate is built with the host compiler by app/native's Makefile and must pass the
same parity gate as the image build before it is timed: one row at a time (the parity rows
in turn) and 1,000-row batches, interleaved over rounds so that a noisy machine slows both
alike. The arrays layout is kept when it is more than BATCH_MARGIN faster on batches and
at most SINGLE_ROW_SLACK slower on single rows; otherwise if/else, the C floor for small
models. The if/else layout is not compiled at all for a model of more than
IFELSE_MAX_NODES nodes: its C would take gcc minutes, and the arrays layout wins there. Below
ARRAYS_MIN_NODES nodes if/else is kept without measuring: both run within noise of each
other there, and a choice made by noise would make two trainings of the same model ship
different C.
"""

from __future__ import annotations

import ctypes
import math
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from artifact_contract import C_SOURCE_DIR, PARITY_TOLERANCES_FILE
from model_build.c_source import CSources, write_c_source
from model_build.checkout import NATIVE_DIR
from model_build.layouts import LAYOUTS

# gcc -O2 takes 10-60 s at 12,500 nodes (superlinear), and the arrays layout measured faster
# on batches from 5,000 nodes (a 200-tree model with missing values: 7×).
IFELSE_MAX_NODES = 10_000
# The demo (97 trees, 833 nodes): arrays 0.96x the if/else batch speed, within noise.
ARRAYS_MIN_NODES = 2_000
SINGLE_ROW_SLACK = 1.25
BATCH_MARGIN = 1.1  # arrays must beat if/else on batches by more than noise moves them
BATCH_ROWS = 1000
ROUNDS = 5
# A thread costs tens of microseconds to start and join: worth it for this much work.
THREAD_WORTH_US = 250.0


class LayoutChoiceError(RuntimeError):
    """No layout could be built and pass the parity gate; the message says why."""


class LayoutUnavailable(LayoutChoiceError):
    """The layout asked for (LAYOUT= / --layout) cannot serve this model."""


@dataclass
class LayoutChoice:
    layout: str
    reason: str
    figures: dict[str, dict[str, float]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    parity: dict[str, str] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        per_row = self.figures.get(self.layout, {}).get("batch_us_per_row")
        min_rows = (max(8, math.ceil(THREAD_WORTH_US / per_row)) if per_row else 10_000)
        # Timings differ from run to run: they stay under "measurement", apart from the rest.
        return {"layout": self.layout, "not_measured": self.skipped, "parity": self.parity,
                "measurement": {
                    "reason": self.reason, "figures": self.figures,
                    "min_rows_per_thread": min_rows,
                    "how": f"host build, one thread, medians of {ROUNDS} interleaved rounds; "
                           f"single row: the parity rows in turn; batch: {BATCH_ROWS} rows"}}


def choose_layout(sources: CSources, parity_path: Path, parity_x: np.ndarray,
                  requested: str | None = None, log: Any = print,
                  ifelse_max_nodes: int = IFELSE_MAX_NODES,
                  arrays_min_nodes: int = ARRAYS_MIN_NODES) -> LayoutChoice:
    candidates = [layout for layout in LAYOUTS if layout in sources.files]
    skipped = dict(sources.refused)
    if requested is not None:
        if requested not in sources.files:
            raise LayoutUnavailable(f"layout {requested!r} is not available for this model: "
                                    f"{skipped.get(requested, 'unknown layout')}")
        candidates = [requested]
    elif "arrays" in candidates and sources.num_nodes > ifelse_max_nodes:
        skipped["ifelse"] = (f"{sources.num_nodes} nodes, more than {ifelse_max_nodes}: its C "
                             "would take gcc minutes to compile, and the arrays layout wins "
                             "at this size")
        candidates = ["arrays"]
    elif "ifelse" in candidates and sources.num_nodes < arrays_min_nodes:
        skipped["arrays"] = (f"{sources.num_nodes} nodes, fewer than {arrays_min_nodes}: "
                             "if/else is the C floor for small models, and both are within "
                             "noise of each other there")
        candidates = ["ifelse"]
    for layout, why in skipped.items():
        log(f"layout {layout}: not measured ({why})")
    with tempfile.TemporaryDirectory() as scratch:
        libraries, parity = {}, {}
        for layout in candidates:
            built = _build(sources.files[layout], parity_path, Path(scratch) / layout)
            if isinstance(built, str):
                skipped[layout] = built
                log(f"layout {layout}: {built}")
                continue
            libraries[layout], parity[layout] = built
            log(f"layout {layout}: {parity[layout]}")
        if not libraries:
            raise LayoutChoiceError("no compiled layout passes the parity gate: "
                                    + "; ".join(f"{k}: {v}" for k, v in skipped.items()))
        figures = _time_layouts(libraries, parity_x)
    for layout, figure in figures.items():
        log(f"layout {layout}: single row {figure['single_row_us']:.1f} µs, "
            f"{BATCH_ROWS}-row batch {figure['batch_us_per_row']:.2f} µs/row")
    layout, reason = _pick(figures, requested)
    log(f"layout {layout} chosen: {reason}")
    return LayoutChoice(layout=layout, reason=reason, figures=figures, skipped=skipped,
                        parity=parity)


def _pick(figures: dict[str, dict[str, float]], requested: str | None) -> tuple[str, str]:
    if requested is not None:
        return requested, "requested (LAYOUT)"
    if len(figures) == 1:
        only = next(iter(figures))
        return only, "the only layout built and parity-checked"
    ifelse, arrays = figures["ifelse"], figures["arrays"]
    batch_gain = ifelse["batch_us_per_row"] / arrays["batch_us_per_row"]
    single_loss = arrays["single_row_us"] / ifelse["single_row_us"]
    if batch_gain > BATCH_MARGIN and single_loss <= SINGLE_ROW_SLACK:
        return "arrays", (f"{batch_gain:.2f}× faster on batches, single row "
                          f"{single_loss:.2f}× the if/else time")
    return "ifelse", (f"arrays {batch_gain:.2f}× the if/else speed on batches, single row "
                      f"{single_loss:.2f}× the if/else time")


def _build(files: dict[str, str], parity_path: Path, model_dir: Path
           ) -> tuple[Path, str] | str:
    """The library and its parity line, or why it failed."""
    write_c_source(files, model_dir / C_SOURCE_DIR)
    for name in (parity_path.name, PARITY_TOLERANCES_FILE):
        shutil.copyfile(parity_path.with_name(name), model_dir / name)
    out = model_dir / "build"
    result = subprocess.run(["make", "-s", "-C", str(NATIVE_DIR), "check", f"OUT={out}",
                             f"MODEL_DIR={model_dir}"], capture_output=True, text=True,
                            check=False)
    lines = (result.stdout + result.stderr).strip().splitlines()
    if result.returncode != 0:
        return f"failed to build or pass parity: {lines[-1] if lines else 'no output'}"
    return out / "libmodel.so", next((ln for ln in lines if ln.startswith("parity ")), "")


def _time_layouts(libraries: dict[str, Path], parity_x: np.ndarray
                  ) -> dict[str, dict[str, float]]:
    rows = np.ascontiguousarray(parity_x, dtype=np.float64)
    batch = np.ascontiguousarray(np.resize(rows, (BATCH_ROWS, rows.shape[1])))
    predictors = {layout: _predictor(path, rows.shape[1]) for layout, path in libraries.items()}
    samples: dict[str, dict[str, list[float]]] = {
        layout: {"single_row_us": [], "batch_us_per_row": []} for layout in predictors}
    for _ in range(ROUNDS):
        for layout, predict in predictors.items():
            started = time.perf_counter()
            for row in rows:
                predict(row, 1)
            single = (time.perf_counter() - started) / len(rows)
            started = time.perf_counter()
            predict(batch, BATCH_ROWS)
            per_row = (time.perf_counter() - started) / BATCH_ROWS
            samples[layout]["single_row_us"].append(single * 1e6)
            samples[layout]["batch_us_per_row"].append(per_row * 1e6)
    return {layout: {k: round(statistics.median(v), 3) for k, v in by.items()}
            for layout, by in samples.items()}


def _predictor(path: Path, n_features: int) -> Any:
    library = ctypes.CDLL(str(path))
    library.model_num_output.restype = ctypes.c_int32
    library.predict_batch.restype = ctypes.c_int64
    library.predict_batch.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32,
                                      ctypes.c_void_p]
    out = np.zeros(BATCH_ROWS * library.model_num_output())

    def predict(rows: np.ndarray, n_rows: int) -> None:
        row_major = np.ascontiguousarray(rows)
        if library.predict_batch(row_major.ctypes.data, n_rows, n_features, out.ctypes.data):
            raise LayoutChoiceError(f"{path.name} refused the parity rows")

    return predict
