"""Models in XGBoost's pre-2.0 binary format: recognised by content, converted by XGBoost 2.1.

The project's XGBoost no longer reads the format. The import converts such a file with the
pinned XGBoost 2.1 of the converter environment (`make legacy-converter`, created on first
use), in a subprocess bounded in time and memory, then imports the converted UBJSON as any
other model. The parity rows' reference outputs come from XGBoost 2.1 scoring the ORIGINAL
file, so a conversion that changed the model fails the import (here, against the project's
XGBoost, and again in the C gate).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from artifact_contract import RELATIVE, parity_criterion
from model_build.checkout import APP_DIR, CHECKOUT, SOURCE_ROOT
from model_build.import_errors import ImportRefused

if TYPE_CHECKING:
    import xgboost as xgb

    from model_build.objectives import OutputSpec

CONVERTER = "model_build.legacy_converter"  # run in the converter's own environment
SETUP_SECONDS = 1200      # a first install downloads about 60 MB from PyPI
CONVERT_SECONDS = 600     # loading and saving a 128 MiB model takes seconds
MEMORY_BYTES = 8 << 30    # the converter's address space: a corrupt count cannot take the machine
# "binf" opens every binary model XGBoost wrote since 0.7; older files start with their
# base_score, 0.5 (float32) unless it was changed.
_HEADERS = (b"binf", b"\x00\x00\x00\x3f")


@dataclass(frozen=True)
class Conversion:
    original: Path
    converted: Path
    xgboost_version: str
    objective: str
    environment: str  # the converter environment's directory name


def is_legacy_binary(head: bytes) -> bool:
    return head[:4] in _HEADERS


def converter_python() -> Path:
    """The converter environment's Python, installed by `make legacy-converter` if absent."""
    venv = Path(os.environ.get("LEGACY_VENV", CHECKOUT / ".venv-legacy"))
    python = venv / "bin" / "python"
    if (venv / ".installed").is_file() and python.is_file():
        return python
    print(f"import_model: note: installing the legacy model converter (XGBoost 2.1.4) into "
          f"{venv.name}, once", file=sys.stderr, flush=True)
    try:
        result = subprocess.run(["make", "-s", "-C", str(CHECKOUT), "legacy-converter",
                                 f"LEGACY_VENV={venv}"], capture_output=True, text=True,
                                errors="replace", timeout=SETUP_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ImportRefused("converter_unavailable", "cannot set up the legacy model "
                            f"converter ({type(error).__name__}: {error})") from None
    if result.returncode != 0 or not python.is_file():
        last = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
        raise ImportRefused("converter_unavailable", "cannot set up the legacy model converter "
                            f"(`make legacy-converter` needs PyPI once): {last[-1:]}")
    return python


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_converter(*args: str) -> str:
    """The converter's stdout, or legacy_conversion_failed with its one-line reason."""
    command = [str(converter_python()), "-m", CONVERTER, *args]
    # The converter's environment has no install of this project: train-code/ and app/ on its
    # path give it this package and the artifact contract (numpy and xgboost are its own).
    path = os.pathsep.join(filter(None, [str(SOURCE_ROOT), str(APP_DIR),
                                         os.environ.get("PYTHONPATH")]))
    try:
        result = subprocess.run(command, capture_output=True, text=True, errors="replace",
                                timeout=CONVERT_SECONDS, preexec_fn=_limit_memory,
                                env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": path})
    except subprocess.TimeoutExpired:
        raise ImportRefused("legacy_conversion_failed", f"XGBoost 2.1 took over "
                            f"{CONVERT_SECONDS} s on the legacy binary file") from None
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {result.returncode}"
        raise ImportRefused("legacy_conversion_failed", "XGBoost 2.1 cannot read the file as "
                            f"a legacy binary model ({reason})")
    return result.stdout


def convert(original: Path, scratch: Path) -> Conversion:
    converted = scratch / (original.stem + ".converted.ubj")
    printed = run_converter("convert", str(original), str(converted)).strip().splitlines()
    try:
        said = json.loads(printed[-1])
    except (IndexError, ValueError):
        raise ImportRefused("legacy_conversion_failed", "the converter said nothing readable: "
                            f"{printed[-1:]}") from None
    return Conversion(original=original, converted=converted,
                      xgboost_version=str(said["xgboost"]), objective=str(said["objective"]),
                      environment=converter_python().parent.parent.name)


def reference_outputs(conversion: Conversion, rows: np.ndarray, scratch: Path) -> np.ndarray:
    """The converter XGBoost's outputs for `rows`, scored with the original file."""
    rows_path, out_path = scratch / "parity-rows.npy", scratch / "reference-outputs.npy"
    np.save(rows_path, np.ascontiguousarray(rows, dtype=np.float64), allow_pickle=False)
    run_converter("score", str(conversion.original), str(rows_path), str(out_path))
    outputs = np.load(out_path, allow_pickle=False)
    if outputs.ndim != 2 or len(outputs) != len(rows):
        raise ImportRefused("legacy_conversion_failed", f"XGBoost 2.1 gave outputs of shape "
                            f"{outputs.shape} for {len(rows)} rows")
    return np.asarray(outputs, dtype=np.float64)


def largest_difference(ours: np.ndarray, reference: np.ndarray, relative: bool) -> float:
    """The parity checker's measure: absolute, or relative to max(1, |reference|)."""
    if ours.shape != reference.shape:
        return float("inf")
    diff = np.abs(ours - reference)
    if relative:
        diff = diff / np.maximum(1.0, np.abs(reference))
    diff = np.where(np.isnan(ours) & np.isnan(reference), 0.0, diff)  # both missing: equal
    return float(np.nan_to_num(diff, nan=np.inf).max()) if diff.size else 0.0


def verified_reference(conversion: Conversion, booster: xgb.Booster, spec: OutputSpec,
                       rows: np.ndarray, scratch: Path) -> tuple[np.ndarray, str]:
    """The reference outputs, and the line saying the converted model gives them here too."""
    from importlib.metadata import version

    from model_build.parity_file import xgboost_outputs

    reference = reference_outputs(conversion, rows, scratch)
    ours = xgboost_outputs(booster, conversion.objective, rows)
    compare, tolerance = parity_criterion(spec.values)
    relative = compare == RELATIVE
    worst = largest_difference(ours, reference, relative)
    figure = (f"xgboost {version('xgboost-cpu')} on the converted model vs xgboost "
              f"{conversion.xgboost_version} on the original file, {len(rows)} rows: "
              f"max_{'rel' if relative else 'abs'}_diff={worst:.3g} "
              f"tolerance={tolerance:g}")
    if not worst <= tolerance:
        raise ImportRefused("conversion_changed_model", f"the converted model does not "
                            f"predict like the original: {figure}; nothing was written")
    return reference, figure
