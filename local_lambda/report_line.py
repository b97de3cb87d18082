"""Lambda's own words: the REPORT line, the Tail log, and error payloads.

The emulator's REPORT carries placeholder memory figures and no true init split, so the
front writes the REPORT itself, in the exact text format Lambda uses, from the emulator's
measured phases and the worker's real peak RSS.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass

TAIL_BYTES = 4096


@dataclass(frozen=True)
class Report:
    request_id: str
    duration_ms: float
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None
    status: str | None = None

    @property
    def billed_duration_ms(self) -> int:
        """Container images bill INIT: a cold start bills ceil(init + duration).

        From the figures as printed (2 decimals), so anyone can check the line by hand.
        """
        total = round(self.duration_ms, 2) + round(self.init_duration_ms or 0.0, 2)
        return max(1, math.ceil(round(total, 6)))

    def line(self, note: str = "") -> str:
        fields = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {self.billed_duration_ms} ms",
            f"Memory Size: {self.memory_size_mb} MB",
            f"Max Memory Used: {self.max_memory_used_mb} MB",
        ]
        if self.init_duration_ms is not None:
            fields.append(f"Init Duration: {self.init_duration_ms:.2f} ms")
        if self.status:
            fields.append(f"Status: {self.status}")
        if note:
            fields.append(note)
        return "\t".join(fields) + "\t"


def tail_log(lines: list[str]) -> str:
    """base64 of the last 4 KB of the invocation's log, as X-Amz-Log-Result carries it."""
    data = ("\n".join(lines) + "\n").encode("utf-8")[-TAIL_BYTES:]
    return base64.b64encode(data).decode("ascii")


def timeout_error(request_id: str, timeout_s: float) -> dict[str, str]:
    return {"errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                            f"{timeout_s:.2f} seconds"}


def crash_error(request_id: str, detail: str) -> dict[str, str]:
    return {"errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {detail}"}
