"""Shared fixtures: the trained artifacts, the host model library, and handlers per engine.

`make test` trains the model and builds the host library first; the fixtures use those
real artifacts and load `app/app.py` exactly as the Lambda runtime would (module import).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP_DIR = ROOT / "app"
MODEL_DIR = APP_DIR / "model"
EVENTS_DIR = ROOT / "events"
BAD_EVENTS_DIR = EVENTS_DIR / "bad"
HOST_LIBRARY = APP_DIR / "native" / "build" / platform.machine() / "libmodel.so"
ENGINES = ("compiled", "xgboost")
AARCH64_CC = "aarch64-linux-gnu-gcc"
QEMU = "qemu-aarch64-static"
# CI installs both; elsewhere the aarch64 builds are skipped with the reason.
needs_aarch64_tools = pytest.mark.skipif(
    not (shutil.which(AARCH64_CC) and shutil.which(QEMU)) and not os.environ.get("CI"),
    reason=f"needs {AARCH64_CC} and {QEMU} (Debian: gcc-aarch64-linux-gnu qemu-user-static)",
)

if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))

from lambda_compare.parity_rows import read_parity_rows  # noqa: E402
from local_lambda.inprocess import load_handler_module  # noqa: E402


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


@pytest.fixture(scope="session", params=ENGINES)
def handler_module(request: pytest.FixtureRequest) -> ModuleType:
    return import_handler_module(engine_env(request.param), f"app_{request.param}")


@pytest.fixture(scope="session")
def handlers() -> dict[str, ModuleType]:
    return {engine: import_handler_module(engine_env(engine), f"app_both_{engine}")
            for engine in ENGINES}


class FakeContext:
    """The two attributes the handler reads from Lambda's context object."""

    def __init__(self, request_id: str = "test-request") -> None:
        self.aws_request_id = request_id
        self.function_name = "XGBoostInferenceX86Function"


@pytest.fixture()
def context() -> FakeContext:
    return FakeContext()


@pytest.fixture(scope="session")
def xgboost_reference() -> Iterator[Any]:
    import xgboost as xgb

    booster = xgb.Booster(model_file=str(MODEL_DIR / "model.ubj"))
    booster.set_param({"nthread": 1})
    yield booster
