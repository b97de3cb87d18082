"""One measured invocation, and the payloads sent."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .parity_rows import read_parity_rows

OK = "ok"
# rejected: the function refused the request in its documented error shape; invalid_answer: the
# answer broke the contract (type, size, not JSON); invalid_report: its REPORT cannot be true.
OUTCOMES = (OK, "function_error", "timeout", "throttled", "rejected", "invalid_answer",
            "invalid_report", "client_error")


@dataclass
class Sample:
    architecture: str
    function: str
    memory_mb: int
    phase: str  # what was asked: "cold" (forced), "warmup", "warm"; see `cold` for what ran
    outcome: str
    client_ms: float
    source: str  # "report" (Lambda's REPORT line) or "client" (wall clock around the call)
    duration_ms: float | None = None
    billed_duration_ms: float | None = None
    init_duration_ms: float | None = None
    restore_duration_ms: float | None = None
    billed_restore_duration_ms: float | None = None
    max_memory_used_mb: int | None = None
    memory_size_mb: int | None = None
    request_id: str | None = None
    retries: int = 0
    rows: int = 1
    request: int | None = None  # position of the replayed request in its mix (--payloads)
    error: str | None = None
    forced_cold: bool = False
    probabilities: list[float] | None = field(default=None, repr=False)
    labels: list[str] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.outcome == OK

    @property
    def cold(self) -> bool:
        """A new execution environment: INIT ran, or a SnapStart snapshot was restored."""
        return self.init_duration_ms is not None or self.restore_duration_ms is not None

    @property
    def startup_ms(self) -> float | None:
        """INIT Duration, or for a SnapStart function its Restore Duration."""
        return self.init_duration_ms if self.init_duration_ms is not None \
            else self.restore_duration_ms

    @property
    def warm(self) -> bool:
        """A measured invocation that reused an environment: the only kind in warm statistics."""
        return self.ok and self.phase == "warm" and not self.cold

    @property
    def billed_ms(self) -> float | None:
        """What Lambda bills for this invocation: Billed Duration (INIT included) plus any
        Billed Restore Duration; None when only client-side timing is known."""
        if self.billed_duration_ms is None:
            return None
        return self.billed_duration_ms + (self.billed_restore_duration_ms or 0.0)

    def record(self) -> dict:
        data = asdict(self)
        data.pop("probabilities")
        data.pop("labels")
        data["cold"] = self.cold
        return data


def batch_payload(rows: list[list[float | None]], batch_size: int) -> bytes:
    """A batch event of `batch_size` rows, cycling through the data set."""
    chosen = [rows[i % len(rows)] for i in range(batch_size)]
    return json.dumps({"instances": chosen}, separators=(",", ":")).encode()


def dataset_rows(parity_csv: Path) -> list[list[float | None]]:
    """The model's parity rows (features only, None for missing), to send as requests."""
    return read_parity_rows(parity_csv).rows
