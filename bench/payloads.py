"""The batches the benchmark sends: the data set's short decimals, and full precision.

Real callers send what `json.dumps` of a float array gives, 15–17 significant digits; the
data set's rows are short decimals (`17.99`). Full-precision rows are the data set's rows
times N(1, 0.01), from a fixed seed, so every run sends the same bytes.
"""

from __future__ import annotations

import json
import random
from typing import Any

SEED = 20260801


def cycled(rows: list[list[float | None]], count: int) -> list[list[float | None]]:
    return [rows[i % len(rows)] for i in range(count)]


def full_precision(rows: list[list[float | None]], count: int,
                   seed: int = SEED) -> list[list[float | None]]:
    rng = random.Random(seed)
    return [[None if value is None else value * rng.gauss(1.0, 0.01) for value in row]
            for row in cycled(rows, count)]


def url_event(rows: list[list[float | None]]) -> dict[str, Any]:
    """A Function URL event as the runtime client hands it over: already a dict."""
    return {"version": "2.0", "requestContext": {"http": {"method": "POST"}},
            "body": json.dumps({"instances": rows}), "isBase64Encoded": False}


def direct_payload(rows: list[list[float | None]]) -> bytes:
    """A direct invoke's payload as it arrives at the runtime client: JSON bytes."""
    return json.dumps({"instances": rows}).encode()
