"""Where training and import write in a checkout, and the C build they check it with."""

from __future__ import annotations

import argparse
from pathlib import Path

from artifact_contract import MODEL_DIR_NAME
from model_build.layouts import LAYOUTS

SOURCE_ROOT = Path(__file__).resolve().parent.parent  # train-code/: the package's parent
CHECKOUT = SOURCE_ROOT.parent
APP_DIR = CHECKOUT / "app"  # the functions' task root
DEFAULT_MODEL_DIR = APP_DIR / MODEL_DIR_NAME  # what every function serves
DEFAULT_MODEL_DIR_SHOWN = DEFAULT_MODEL_DIR.relative_to(CHECKOUT).as_posix()  # for --help
NATIVE_DIR = APP_DIR / "native"  # its Makefile builds the library and runs the parity check


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """--layout and --output-dir, as training and import both take them."""
    parser.add_argument("--layout", choices=LAYOUTS,
                        help="compiled layout (default: the faster of both, measured here)")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_MODEL_DIR,
                        help=f"where to write the artifacts (default: {DEFAULT_MODEL_DIR_SHOWN})")
