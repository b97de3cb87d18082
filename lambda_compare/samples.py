"""One measured invocation, and the payloads sent."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

OK = "ok"
OUTCOMES = (OK, "function_error", "timeout", "throttled", "rejected", "client_error")


@dataclass
class Sample:
    architecture: str
    function: str
    memory_mb: int
    phase: str  # "cold" (forced or observed), "warmup", "warm"
    outcome: str
    client_ms: float
    source: str  # "report" (Lambda's REPORT line) or "client" (wall clock around the call)
    duration_ms: float | None = None
    billed_duration_ms: float | None = None
    init_duration_ms: float | None = None
    max_memory_used_mb: int | None = None
    memory_size_mb: int | None = None
    request_id: str | None = None
    retries: int = 0
    rows: int = 1
    error: str | None = None
    forced_cold: bool = False
    probabilities: list[float] | None = field(default=None, repr=False)
    labels: list[str] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.outcome == OK

    def record(self) -> dict:
        data = asdict(self)
        data.pop("probabilities")
        data.pop("labels")
        return data


def batch_payload(rows: list[list[float]], batch_size: int) -> bytes:
    """A batch event of `batch_size` rows, cycling through the data set."""
    chosen = [rows[i % len(rows)] for i in range(batch_size)]
    return json.dumps({"instances": chosen}, separators=(",", ":")).encode()


def dataset_rows(parity_csv: Path) -> list[list[float]]:
    """The breast-cancer rows (all 569) from the parity file that training writes."""
    if not parity_csv.is_file():
        raise FileNotFoundError(f"{parity_csv} not found: run `make model` first, or pass --event")
    with parity_csv.open(newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        return [[float(value) for value in line[:-1]] for line in reader]
