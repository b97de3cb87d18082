"""The parity file's rows as requests send them: the one reader every tool and test uses.

Training and import write the parity file (artifact_contract.PARITY_FILE): the feature names
and then one column per model output (`num_outputs` in the metadata beside it), `nan` for a
missing value. Requests take the features only, with a missing value as JSON null (None here).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

from artifact_contract import METADATA_FILE, PARITY_FILE


@dataclass(frozen=True)
class ParityRows:
    feature_names: list[str]
    rows: list[list[float | None]]  # features, None for missing: what a request sends
    outputs: list[list[float]]  # XGBoost's outputs per row, `num_outputs` each


def num_outputs(parity_csv: Path) -> int:
    """The metadata beside the parity file says how many of its last columns are outputs."""
    metadata = parity_csv.with_name(METADATA_FILE)
    if not metadata.is_file():
        return 1
    return int(json.loads(metadata.read_text(encoding="utf-8")).get("num_outputs", 1))


def read_model_parity_rows(model_dir: Path) -> ParityRows:
    """The parity rows of the artifacts in `model_dir`."""
    return read_parity_rows(model_dir / PARITY_FILE)


def read_parity_rows(parity_csv: Path) -> ParityRows:
    if not parity_csv.is_file():
        raise FileNotFoundError(f"{parity_csv} not found: run `make model` first")
    width = num_outputs(parity_csv)
    with parity_csv.open(newline="") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        table = [[float(value) for value in line] for line in reader if line]
    return ParityRows(
        feature_names=header[:-width],
        rows=[[None if math.isnan(v) else v for v in row[:-width]] for row in table],
        outputs=[row[-width:] for row in table],
    )
