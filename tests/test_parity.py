"""Both engines, and the compiled library on both architectures, match XGBoost on every row."""

from __future__ import annotations

import math
import platform
import shutil
import subprocess
from array import array
from pathlib import Path

import pytest

from artifact_contract import ABSOLUTE_TOLERANCE
from helpers import (
    AARCH64_CC,
    APP_DIR,
    MODEL_DIR,
    QEMU,
    engine_env,
    needs_aarch64_tools,
    read_parity,
)
from inference.predictor import Predictor
from inference.settings import Settings

NATIVE = APP_DIR / "native"
TOLERANCE = ABSOLUTE_TOLERANCE  # the demo's outputs are probabilities


@pytest.mark.parametrize("engine", ["compiled", "xgboost"])
def test_engine_matches_xgboost_on_every_row(engine: str) -> None:
    _, rows, expected = read_parity()
    assert len(rows) == 569
    predictor = Predictor.load(Settings.from_env(engine_env(engine)))
    values = array("d", [math.nan if v is None else v for row in rows for v in row])
    got = predictor.predict(values, len(rows))
    flat = [v for out in expected for v in out]
    worst = max(abs(a - b) for a, b in zip(got, flat, strict=True))
    assert worst <= TOLERANCE, f"{engine}: max |dp| = {worst}"


def build_and_check(tmp_path: Path, cc: str, arch: str, run: str = "") -> str:
    out = tmp_path / arch
    result = subprocess.run(
        ["make", "-s", "-C", str(NATIVE), "check", f"CC={cc}", f"ARCH={arch}", f"OUT={out}",
         f"MODEL_DIR={MODEL_DIR}", f"RUN={run}"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_host_build_of_the_model_library_passes_the_parity_check(tmp_path: Path) -> None:
    printed = build_and_check(tmp_path, "cc", platform.machine())
    assert f"arch={platform.machine()} rows=569" in printed and printed.rstrip().endswith("OK")


@needs_aarch64_tools
def test_arm64_build_matches_xgboost_under_qemu(tmp_path: Path) -> None:
    printed = build_and_check(tmp_path, AARCH64_CC, "aarch64",
                              run=f"{QEMU} -L /usr/aarch64-linux-gnu")
    assert "arch=aarch64 rows=569" in printed and printed.rstrip().endswith("OK")
    header = (tmp_path / "aarch64" / "libmodel.so").read_bytes()[:20]
    assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == 183  # EM_AARCH64


def test_parity_check_fails_on_a_wrong_probability(tmp_path: Path) -> None:
    _header, _rows, _expected = read_parity()
    broken_dir = tmp_path / "model"
    shutil.copytree(MODEL_DIR, broken_dir)
    lines = (broken_dir / "parity.csv").read_text().splitlines()
    cells = lines[10].split(",")
    cells[-1] = repr(float(cells[-1]) + 2e-6)
    lines[10] = ",".join(cells)
    (broken_dir / "parity.csv").write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        ["make", "-s", "-C", str(NATIVE), "check", f"OUT={tmp_path / 'out'}",
         f"MODEL_DIR={broken_dir}"], capture_output=True, text=True)
    assert result.returncode != 0
    assert "FAILED" in result.stdout and "(row 9)" in result.stdout


def test_a_large_model_still_matches_xgboost_after_compilation(tmp_path: Path) -> None:
    """Summation order matters in float32: with TL2cgen's own order (intercept last) the
    1000-tree model is 5.2e-6 off XGBoost; with XGBoost's order (intercept first) 1.2e-7."""
    import sys

    model_dir = tmp_path / "model-1000"
    subprocess.run([sys.executable, str(APP_DIR.parent / "train-code" / "train.py"), "--rounds",
                    "1000", "--early-stopping", "0", "--output-dir", str(model_dir)],
                   check=True, capture_output=True)
    result = subprocess.run(
        ["make", "-s", "-C", str(NATIVE), "check", f"OUT={tmp_path / 'out'}",
         f"MODEL_DIR={model_dir}"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.rstrip().endswith("OK"), result.stdout
