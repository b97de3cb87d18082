"""The served model's rows, as the dev tools send them, and the sample request that shows it."""

from __future__ import annotations

import json
from pathlib import Path

from artifact_contract import METADATA_FILE
from lambda_compare.parity_rows import read_model_parity_rows

from .paths import MODEL_DIR, RESULTS, SAMPLE_EVENT

SYNTHETIC = ("synthetic rows (not data): generated from the model's split thresholds to "
             "exercise its trees; `make demo SAMPLE=rows.csv` sends rows of yours")


class SampleUnreadable(ValueError):
    """A SAMPLE cannot be read as rows of the served model's features."""


def parity_requests(model_dir: Path | None = None) -> list[list[float | None]]:
    """The model's parity rows, features only (None for missing): what requests send."""
    return read_model_parity_rows(model_dir or MODEL_DIR).rows


def sample_rows(sample: Path, feature_names: list[str]) -> list[list[float | None]]:
    """The first two rows of a CSV, read as the importer reads SAMPLE (missing: None)."""
    from model_build.parity_file import SampleError, read_sample

    try:
        rows = read_sample(sample, feature_names)[:2].tolist()
    except SampleError as error:
        raise SampleUnreadable(str(error)) from None
    return [[None if value != value else value for value in row] for row in rows]


def imported_rows(model_dir: Path, sample: Path | None) -> tuple[list[list[float | None]], str]:
    """Two rows for an imported model, and what they are."""
    metadata = json.loads((model_dir / METADATA_FILE).read_text(encoding="utf-8"))
    if sample is not None:
        return sample_rows(sample, metadata["feature_names"]), f"rows of {sample}"
    rows = parity_requests(model_dir)[:2]
    if metadata.get("parity", {}).get("rows_from") == "sample":
        return rows, "rows of the SAMPLE given at import"
    return rows, SYNTHETIC


def sample_event(sample: Path | None = None, model_dir: Path | None = None,
                 results: Path | None = None) -> tuple[Path, str]:
    """The original sample's event for the demo model; for an imported one, two rows (of
    `sample`, else the model's parity rows, said to be synthetic) written under results/;
    and what the event holds."""
    from lambda_compare.single_payload import serves_imported_model  # botocore: not at import

    model_dir, results = model_dir or MODEL_DIR, results or RESULTS
    if not serves_imported_model(model_dir):
        return SAMPLE_EVENT, "the demo's sample event"
    rows, what = imported_rows(model_dir, sample)
    event = results / "sample-event.json"
    results.mkdir(exist_ok=True)
    event.write_text(json.dumps({"instances": rows}) + "\n", encoding="utf-8")
    return event, what
