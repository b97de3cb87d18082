"""Paths into the checkout, named once: the dev tools run from a clone of the repository."""

from __future__ import annotations

import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
EVENTS_DIR = ROOT / "events"
SAMPLE_EVENT = EVENTS_DIR / "event.json"
MODEL_DIR = ROOT / "app" / "model"  # what `make model` writes and every function serves
PARITY_FILE = MODEL_DIR / "parity.csv"
RESULTS = ROOT / "results"


def host_library(machine: str | None = None) -> Path:
    """The model library `make lib` builds for this machine (or `machine`)."""
    return ROOT / "app" / "native" / "build" / (machine or platform.machine()) / "libmodel.so"
