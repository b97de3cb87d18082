"""The Makefile builds the same whatever runtime variables the user has exported.

The README's configuration table names the function's environment variables (MODEL_DIR,
MODEL_LIBRARY, INFERENCE_ENGINE, ...); a user who exported them for a local run must still
be able to `make lib`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from helpers import ROOT

RUNTIME_VARIABLES = {
    "MODEL_DIR": "/nonexistent/model",
    "MODEL_LIBRARY": "/nonexistent/libmodel.so",
    "INFERENCE_ENGINE": "xgboost",
    "MAX_BATCH_ROWS": "1",
    "MAX_REQUEST_BYTES": "1",
    "XGBOOST_NTHREAD": "1",
    "LAMBDA_TASK_ROOT": "/nonexistent",
}


def test_make_lib_builds_and_checks_with_the_runtime_variables_exported(tmp_path: Path) -> None:
    outer_make = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    env = {k: v for k, v in os.environ.items() if k not in outer_make} | RUNTIME_VARIABLES
    library = tmp_path / "libmodel.so"
    result = subprocess.run(["make", "lib", f"HOST_LIB={library}"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "missing_rows=0" in result.stdout and result.stdout.rstrip().endswith("OK")
    assert library.is_file() and (tmp_path / "parity_check").is_file()
