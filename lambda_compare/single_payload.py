"""The one payload sent when no --payloads mix is replayed: --event, or --batch-size rows.

Without either, the demo model gets the sample event and an imported model one of its own
parity rows (the demo's event means nothing to it). Both defaults are read from a checkout's
root; elsewhere the error says which option to pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from artifact_contract import METADATA_FILE, PARITY_FILE, TRAINED_DEMO, model_source

from .errors import EXIT_USAGE, UserError
from .options import DEFAULT_EVENT, DEFAULT_MODEL_DIR, Options
from .samples import batch_payload, dataset_rows


@dataclass(frozen=True)
class Payload:
    body: bytes
    rows: int  # instances per invocation
    event: Path | None  # the event file sent, None for parity rows or a replayed mix


def serves_imported_model(model_dir: Path = DEFAULT_MODEL_DIR) -> bool:
    """Whether the model directory holds a model other than the trained demo (imported, or
    written before artifacts said where they came from), for which the demo's event means
    nothing."""
    metadata = model_dir / METADATA_FILE
    return metadata.is_file() and model_source(json.loads(metadata.read_text("utf-8"))) \
        != TRAINED_DEMO


def choose_payload(options: Options) -> Payload:
    batch_size = options.batch_size
    event = options.event
    if event is None and not batch_size:
        if serves_imported_model(options.model_dir):
            batch_size = 1
        else:
            event = _default_event()
    if batch_size:
        return Payload(_parity_batch(options.model_dir, batch_size), batch_size, None)
    assert event is not None
    try:
        body = event.read_bytes()
        document = json.loads(body)
    except (OSError, ValueError) as error:
        raise UserError("bad_event", f"--event {event}: {error}", EXIT_USAGE) from None
    rows = len(document["instances"]) if isinstance(document, dict) and isinstance(
        document.get("instances"), list) else 1
    return Payload(body, rows, event)


def _default_event() -> Path:
    if not DEFAULT_EVENT.is_file():
        raise UserError("bad_event", f"no --event given and no {DEFAULT_EVENT} here: run from "
                        "the project's root, or pass --event FILE (or --payloads)", EXIT_USAGE)
    return DEFAULT_EVENT


def _parity_batch(model_dir: Path, batch_size: int) -> bytes:
    parity = model_dir / PARITY_FILE
    try:
        rows = dataset_rows(parity)
    except FileNotFoundError:
        raise UserError("no_model", f"--batch-size reads {parity}, which `make model` writes: "
                        "run it first (from the project's root, or pass --model-dir), or pass "
                        "--event", EXIT_USAGE) from None
    return batch_payload(rows, batch_size)
