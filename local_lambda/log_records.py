"""One invocation's log as Lambda writes it to CloudWatch Logs, in the function's LogFormat.

Text: `INIT_START` on a cold start, `START`, the function's own lines, `END`, and the REPORT
line (the same one the Tail log ends with). JSON: `platform.initStart`, `platform.start`, the
function's lines, and a `platform.report` record with Lambda's field names (`durationMs`,
`billedDurationMs`, `memorySizeMB`, `maxMemoryUsedMB`, `initDurationMs`), so anything that reads
a real function's logs reads these. The REPORT also says where the code really ran.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from .report_line import Report

RUNTIME_VERSION = "python:3.12 (local runtime)"
VERSION = "$LATEST"


def invocation_events(log_format: str, report: Report, function_lines: list[str],
                      started_ms: int, ended_ms: int, note: str) -> list[tuple[int, str]]:
    """(timestamp in ms, message) pairs for PutLogEvents, in order."""
    request_id = report.request_id
    own = [line for line in function_lines
           if not line.startswith(("START RequestId:", "END RequestId:", "REPORT RequestId:"))]
    if log_format.upper() == "JSON":
        head = []
        if report.init_duration_ms is not None:
            head.append(_record("platform.initStart", started_ms, {
                "initializationType": "on-demand", "phase": "init",
                "runtimeVersion": RUNTIME_VERSION}))
        head.append(_record("platform.start", started_ms,
                            {"requestId": request_id, "version": VERSION}))
        metrics: dict[str, float | int] = {
            "durationMs": _two_places(report.duration_ms),
            "billedDurationMs": report.billed_duration_ms,
            "memorySizeMB": report.memory_size_mb,
            "maxMemoryUsedMB": report.max_memory_used_mb,
        }
        if report.init_duration_ms is not None:
            metrics["initDurationMs"] = _two_places(report.init_duration_ms)
        tail = [_record("platform.report", ended_ms, {
            "requestId": request_id, "metrics": metrics,
            "status": report.status or "success", "hostArchitecture": note})]
    else:
        head = ([f"INIT_START Runtime Version: {RUNTIME_VERSION}"]
                if report.init_duration_ms is not None else [])
        head.append(f"START RequestId: {request_id} Version: {VERSION}")
        tail = [f"END RequestId: {request_id}", report.line(note)]
    return ([(started_ms, line) for line in head] + [(ended_ms, line) for line in own]
            + [(ended_ms, line) for line in tail])


def _two_places(value: float) -> float:
    """As the text REPORT prints it, so both formats give the same figures."""
    return float(f"{value:.2f}")


def _record(kind: str, at_ms: int, record: dict[str, object]) -> str:
    time = datetime.fromtimestamp(at_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return json.dumps({"time": time, "type": kind, "record": record}, separators=(",", ":"))
