"""Paths and helpers the tests share: the trained artifacts, the events, handlers per engine.

`make test` trains the model and builds the host library first; these helpers use those
real artifacts and load `app/app.py` exactly as the Lambda runtime would (module import).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from lambda_compare.parity_rows import read_parity_rows
from lambda_compare.targets import ARM64, FUNCTION_IDS, X86_64
from local_lambda.inprocess import load_handler_module

ROOT = Path(__file__).resolve().parent.parent
APP_DIR = ROOT / "app"
MODEL_DIR = APP_DIR / "model"
EVENTS_DIR = ROOT / "events"
BAD_EVENTS_DIR = EVENTS_DIR / "bad"
HOST_LIBRARY = APP_DIR / "native" / "build" / platform.machine() / "libmodel.so"
ENGINES = ("compiled", "xgboost")
ARM_FUNCTION, X86_FUNCTION = FUNCTION_IDS[ARM64], FUNCTION_IDS[X86_64]
AARCH64_CC = "aarch64-linux-gnu-gcc"
QEMU = "qemu-aarch64-static"
HAS_AARCH64_TOOLS = bool(shutil.which(AARCH64_CC) and shutil.which(QEMU))
# CI installs both; elsewhere the aarch64 builds are skipped with the reason.
needs_aarch64_tools = pytest.mark.skipif(
    not HAS_AARCH64_TOOLS and not os.environ.get("CI"),
    reason=f"needs {AARCH64_CC} and {QEMU} (Debian: gcc-aarch64-linux-gnu qemu-user-static)",
)


def load_event(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def good_event_paths() -> list[Path]:
    return sorted(EVENTS_DIR.glob("*.json"))


def bad_event_paths() -> list[Path]:
    return sorted(BAD_EVENTS_DIR.glob("*.json"))


def read_parity() -> tuple[list[str], list[list[float | None]], list[list[float]]]:
    """The served model's parity rows (None: missing) and XGBoost's outputs for each."""
    parity = read_parity_rows(MODEL_DIR / "parity.csv")
    return parity.feature_names, parity.rows, parity.outputs


def engine_env(engine: str, **extra: str) -> dict[str, str]:
    return {
        "INFERENCE_ENGINE": engine,
        "MODEL_DIR": str(MODEL_DIR),
        "MODEL_LIBRARY": str(HOST_LIBRARY),
        **extra,
    }


def import_handler_module(env: dict[str, str], name: str) -> ModuleType:
    """Import app/app.py under `name` with `env`, as a fresh Lambda init would."""
    return load_handler_module(APP_DIR / "app.py", env, name)


class FakeContext:
    """The two attributes the handler reads from Lambda's context object."""

    def __init__(self, request_id: str = "test-request") -> None:
        self.aws_request_id = request_id
        self.function_name = X86_FUNCTION
