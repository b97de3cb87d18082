"""Paths and helpers the tests share: the trained artifacts, the events, handlers per engine.

`make test` trains the model and builds the host library first; these helpers use those
real artifacts and load `app/app.py` exactly as the Lambda runtime would (module import).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pytest

from devkit.functions import ARM64_FUNCTION, X86_64_FUNCTION
from devkit.paths import EVENTS_DIR, MODEL_DIR, ROOT, host_library
from lambda_compare.parity_rows import read_parity_rows
from local_lambda.arm64 import TOOLS as DEBIAN_PACKAGES
from local_lambda.inprocess import load_handler_module

APP_DIR = ROOT / "app"
BAD_EVENTS_DIR = EVENTS_DIR / "bad"
HOST_LIBRARY = host_library()
ENGINES = ("compiled", "xgboost")
ARM_FUNCTION, X86_FUNCTION = ARM64_FUNCTION, X86_64_FUNCTION
AARCH64_CC = "aarch64-linux-gnu-gcc"
QEMU = "qemu-aarch64-static"
# CI installs the tools a fresh machine lacks (.ci/run) and must not skip for want of one,
# except in its second pass, which hides them (tools/without-tools sets HIDDEN_TOOLS).
TOOLS_REQUIRED = bool(os.environ.get("CI")) and not os.environ.get("HIDDEN_TOOLS")
Test = TypeVar("Test", bound=Callable[..., Any])


def missing_tools(*tools: str) -> list[str]:
    return [tool for tool in tools if shutil.which(tool) is None]


def tool_marks(*tools: str) -> list[pytest.MarkDecorator]:
    """`machine` (`make test-without-tools` re-runs it), and a skip naming what to install."""
    missing = missing_tools(*tools)
    packages = " ".join(DEBIAN_PACKAGES.get(tool, tool) for tool in missing)
    return [pytest.mark.machine,
            pytest.mark.skipif(bool(missing) and not TOOLS_REQUIRED,
                               reason=f"needs {', '.join(missing)} (Debian: {packages})")]


def needs_tools(*tools: str) -> Callable[[Test], Test]:
    def mark(test: Test) -> Test:
        for each in tool_marks(*tools):
            test = each(test)
        return test
    return mark


needs_aarch64_tools = needs_tools(AARCH64_CC, QEMU)


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
