"""Where training and import write in a checkout, and the C build they check it with."""

from __future__ import annotations

from pathlib import Path

from artifact_contract import MODEL_DIR_NAME

SOURCE_ROOT = Path(__file__).resolve().parent.parent  # train-code/: the package's parent
CHECKOUT = SOURCE_ROOT.parent
APP_DIR = CHECKOUT / "app"  # the functions' task root
DEFAULT_MODEL_DIR = APP_DIR / MODEL_DIR_NAME  # what every function serves
DEFAULT_MODEL_DIR_SHOWN = DEFAULT_MODEL_DIR.relative_to(CHECKOUT).as_posix()  # for --help
NATIVE_DIR = APP_DIR / "native"  # its Makefile builds the library and runs the parity check
