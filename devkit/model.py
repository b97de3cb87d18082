"""The served model's rows, as the dev tools send them, and the event that shows it."""

from __future__ import annotations

import json
from pathlib import Path

from lambda_compare.parity_rows import read_parity_rows

from .paths import MODEL_DIR, RESULTS, SAMPLE_EVENT


def parity_requests(model_dir: Path = MODEL_DIR) -> list[list[float | None]]:
    """The model's parity rows, features only (None for missing): what requests send."""
    return read_parity_rows(model_dir / "parity.csv").rows


def sample_event() -> Path:
    """The original sample's event for the demo model; for an imported one, two of its own
    rows (written under results/)."""
    from lambda_compare.single_payload import serves_imported_model  # botocore: not at import

    if not serves_imported_model(MODEL_DIR):
        return SAMPLE_EVENT
    event = RESULTS / "sample-event.json"
    RESULTS.mkdir(exist_ok=True)
    event.write_text(json.dumps({"instances": parity_requests()[:2]}) + "\n", encoding="utf-8")
    return event
