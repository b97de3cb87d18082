"""Paths into the checkout, named once: the dev tools run from a clone of the repository.

Nothing here needs the project installed (`make fuzz`'s toolchain check imports it with the
system's Python), so the model directory is spelled here rather than read from the contract.
"""

from __future__ import annotations

import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
EVENTS_DIR = ROOT / "events"
SAMPLE_EVENT = EVENTS_DIR / "event.json"
APP_DIR = ROOT / "app"  # the functions' task root (Docker's build context)
MODEL_DIR = APP_DIR / "model"  # what `make model` writes and every function serves
RESULTS = ROOT / "results"


def host_library(machine: str | None = None) -> Path:
    """The model library `make lib` builds for this machine (or `machine`)."""
    return APP_DIR / "native" / "build" / (machine or platform.machine()) / "libmodel.so"
