"""Where training and import write in a checkout, and the C build they check it with."""

from __future__ import annotations

from pathlib import Path

from artifact_contract import MODEL_DIR_NAME

APP_DIR = Path(__file__).resolve().parent.parent / "app"
DEFAULT_MODEL_DIR = APP_DIR / MODEL_DIR_NAME  # app/model: what every function serves
NATIVE_DIR = APP_DIR / "native"  # its Makefile builds the library and runs the parity check
