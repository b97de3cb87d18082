"""What the Runtime Interface Emulator's output says about one invocation.

rapid (the emulator) prints its phase measurements (INIT REPORT, INVOKE RTDONE) beside the
function's own lines; these functions cut out one invocation's log and tell how it ended.
"""

from __future__ import annotations

import json
import queue
import re
import time
from dataclasses import dataclass

from .report_line import crash_error, timeout_error

RAPID_LINE = re.compile(r"^\d{2} \w{3} \d{4} [\d:,]+ \[(\w+)\] \(rapid\) (.*)$")
INIT_REPORT = re.compile(r"INIT REPORT\(durationMs: ([\d.]+)\)")
RTDONE = re.compile(r"INVOKE RTDONE\(status: (\w+).*duration: ([\d.]+)ms\)")
START_LINE = re.compile(r"^START RequestId: (\S+)")
REPORT_LINE = re.compile(r"^REPORT RequestId: (\S+)")
LOG_GRACE_SECONDS = 2.0


def collect_log(output: queue.Queue[str | None]) -> tuple[list[str], str | None, list[str]]:
    """Function lines (START..END) and rapid's lines for the invocation that just ran, read
    from the emulator's output until its REPORT or a short grace period."""
    lines: list[str] = []
    rapid: list[str] = []
    request_id = None
    deadline = time.monotonic() + LOG_GRACE_SECONDS
    while True:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            break
        try:
            line = output.get(timeout=timeout)
        except queue.Empty:
            break
        if line is None:
            break
        match = RAPID_LINE.match(line)
        if match:
            rapid.append(match.group(2))
            if "Invoke DONE failed" in line or "Reset initiated" in line:
                deadline = min(deadline, time.monotonic() + 0.2)
            continue
        start = START_LINE.match(line)
        if start:
            request_id = start.group(1)
        if REPORT_LINE.match(line):
            break  # the emulator's own REPORT: replaced by the front's
        lines.append(line)
    return lines, request_id, rapid


@dataclass(frozen=True)
class Ending:
    """How an invocation ended, from the answer and what rapid said about it."""

    body: bytes
    function_error: str | None
    worker_lost: bool
    status: str | None  # the REPORT's Status: None, "timeout" or "error"
    duration_ms: float


def ending(status: int | None, body: bytes, transport_error: BaseException | None,
           rapid: list[str], request_id: str, timeout_s: int, alive: bool) -> Ending:
    """A timeout, a crashed environment, the handler's error, or an answer: Lambda's view."""
    done = [m for m in map(RTDONE.search, rapid) if m]
    duration = float(done[-1].group(2)) if done else 0.0
    timed_out = any("Reset initiated: Timeout" in line for line in rapid) or (
        transport_error is not None and isinstance(transport_error, TimeoutError))
    if timed_out:
        return Ending(json.dumps(timeout_error(request_id, timeout_s)).encode(), "Unhandled",
                      True, "timeout", timeout_s * 1000.0)
    if transport_error is not None or status != 200 or not alive:
        detail = _exit_detail(body, transport_error)
        return Ending(json.dumps(crash_error(request_id, detail)).encode(), "Unhandled", True,
                      "error", duration)
    return Ending(body, "Unhandled" if _is_runtime_error(body, request_id) else None, False,
                  None, duration)


def init_duration_ms(rapid: list[str]) -> float | None:
    """The last INIT REPORT's duration: the cold start, when this invocation had one."""
    return _last_float(INIT_REPORT, rapid)


def out_of_memory(request_id: str) -> bytes:
    return json.dumps({"errorType": "Runtime.OutOfMemory", "errorMessage":
                       f"RequestId: {request_id} Error: Runtime exited with error: "
                       "signal: killed (memory limit exceeded)"}).encode()


def fallback_request_id() -> str:
    import uuid

    return str(uuid.uuid4())


def _last_float(pattern: re.Pattern[str], lines: list[str]) -> float | None:
    values = [float(m.group(1)) for m in map(pattern.search, lines) if m]
    return values[-1] if values else None


def _is_runtime_error(body: bytes, request_id: str) -> bool:
    """awslambdaric's error document for this very request: the handler raised."""
    if not body.startswith(b"{"):
        return False
    try:
        document = json.loads(body)
    except ValueError:
        return False
    return (isinstance(document, dict) and "errorType" in document
            and "errorMessage" in document and document.get("requestId") == request_id)


def _exit_detail(body: bytes, transport_error: BaseException | None) -> str:
    if transport_error is not None:
        return f"the execution environment stopped answering ({transport_error.__class__.__name__})"
    try:
        return str(json.loads(body).get("errorMessage", "")).split("Error: ", 1)[-1] or "exit"
    except (ValueError, AttributeError):
        return body.decode("utf-8", "replace")[:200] or "exit"
