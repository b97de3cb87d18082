"""Convert an XGBoost model in the pre-2.0 binary format, and score the original file.

Runs inside the converter environment (`make legacy-converter`: XGBoost 2.1, the last
release that reads the format), as a subprocess of import_model.py, never in .venv:
  convert ORIGINAL OUT.ubj         load the binary file, write it as UBJSON; print
                                   {"xgboost": version, "objective": name} as JSON
  score ORIGINAL ROWS.npy OUT.npy  XGBoost's outputs for the rows, from the ORIGINAL file:
                                   the import's parity reference, so a conversion that
                                   changed the model fails the import
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import xgboost as xgb

# The CPU-only manylinux2014 wheel (chosen: 4.5 MB, no CUDA) warns on import that glibc might
# be old, whatever glibc is here; it says nothing about the conversion.
warnings.filterwarnings("ignore", message=r"(?s).*old version of glibc", category=FutureWarning)


def load_original(path: Path) -> xgb.Booster:
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(bytearray(path.read_bytes()))
    booster.set_param({"nthread": 1})
    return booster


def objective_of(booster: xgb.Booster) -> str:
    config: dict[str, Any] = json.loads(booster.save_config())
    return str(config["learner"]["objective"]["name"])


def convert(original: Path, out: Path) -> dict[str, str]:
    import xgboost as xgb

    booster = load_original(original)
    booster.save_model(out)
    return {"xgboost": xgb.__version__, "objective": objective_of(booster)}


def score(original: Path, rows: Path, out: Path) -> None:
    import numpy as np

    from model_build.parity_file import xgboost_outputs

    booster = load_original(original)
    x = np.load(rows, allow_pickle=False)
    np.save(out, xgboost_outputs(booster, objective_of(booster), x), allow_pickle=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    to_ubjson = commands.add_parser("convert", help="the binary file as UBJSON")
    to_ubjson.add_argument("original", type=Path, help="the model in the binary format")
    to_ubjson.add_argument("out", type=Path, help="where to write the UBJSON model")
    outputs = commands.add_parser("score", help="the original file's outputs for rows")
    outputs.add_argument("original", type=Path, help="the model in the binary format")
    outputs.add_argument("rows", type=Path, help=".npy of float64 rows, NaN missing")
    outputs.add_argument("out", type=Path, help=".npy of float64 outputs, one row per row")
    args = parser.parse_args(argv)
    try:
        if args.command == "convert":
            print(json.dumps(convert(args.original, args.out)))
        else:
            score(args.original, args.rows, args.out)
    except Exception as error:  # XGBoost's refusal of a corrupt file: its first line
        lines = str(error).strip().splitlines() or [type(error).__name__]
        print(f"{type(error).__name__}: {lines[0][:300]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
