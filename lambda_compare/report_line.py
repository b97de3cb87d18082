"""Lambda's REPORT, in every shape it comes in.

Text: `REPORT RequestId: … Duration: 1.23 ms Billed Duration: 2 ms Memory Size: 128 MB
Max Memory Used: 20 MB Init Duration: 100.5 ms` — tab-separated today, space-separated with a
stray space in older logs, with fields in different orders in different places (the runtime
interface emulator puts Init Duration first). JSON log format: a `platform.report` record.

A REPORT that is there but cannot be true (a figure that is not a number, not finite, negative,
or beyond Lambda's limits) raises InvalidReport: such an invocation is counted, not measured.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from .limits import (
    MAX_BILLED_MS,
    MAX_DURATION_MS,
    MAX_LOG_RESULT_CHARS,
    MAX_MEMORY_MB,
    MIN_MEMORY_MB,
    clip,
    kind,
)

_TEXT_FIELD = re.compile(
    r"(?:^|[\s\t])(Billed Restore Duration|Restore Duration|Billed Duration|Init Duration|"
    r"Max Memory Used|Memory Size|Duration)\s*:\s*(\S+?)\s*(ms|MB)"
)
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_REQUEST_ID = re.compile(r"REPORT\s+RequestId:\s*(\S+)")
_TEXT_KEYS = {
    "Duration": "duration_ms", "Billed Duration": "billed_duration_ms",
    "Init Duration": "init_duration_ms", "Memory Size": "memory_size_mb",
    "Max Memory Used": "max_memory_used_mb", "Restore Duration": "restore_duration_ms",
    "Billed Restore Duration": "billed_restore_duration_ms",
}
_JSON_KEYS = {
    "durationMs": "duration_ms", "billedDurationMs": "billed_duration_ms",
    "initDurationMs": "init_duration_ms", "memorySizeMB": "memory_size_mb",
    "maxMemoryUsedMB": "max_memory_used_mb", "restoreDurationMs": "restore_duration_ms",
    "billedRestoreDurationMs": "billed_restore_duration_ms",
}


@dataclass(frozen=True)
class ReportFigures:
    request_id: str | None
    duration_ms: float
    billed_duration_ms: float
    memory_size_mb: int | None = None
    max_memory_used_mb: int | None = None
    init_duration_ms: float | None = None
    restore_duration_ms: float | None = None
    billed_restore_duration_ms: float | None = None

    @property
    def cold(self) -> bool:
        return self.init_duration_ms is not None or self.restore_duration_ms is not None


class ReportNotFound(ValueError):
    pass


class InvalidReport(ValueError):
    """A REPORT whose figures cannot be Lambda's: the invocation is not a sample."""


# What each figure may be, from Lambda's quotas (limits.py); the name as a REPORT line spells it.
_BOUNDS = {
    "duration_ms": (0.0, MAX_DURATION_MS), "billed_duration_ms": (0.0, MAX_BILLED_MS),
    "init_duration_ms": (0.0, MAX_DURATION_MS), "restore_duration_ms": (0.0, MAX_DURATION_MS),
    "billed_restore_duration_ms": (0.0, MAX_BILLED_MS),
    "memory_size_mb": (MIN_MEMORY_MB, MAX_MEMORY_MB), "max_memory_used_mb": (0.0, MAX_MEMORY_MB),
}
_NAMES = {key: name for name, key in _TEXT_KEYS.items()}


def parse_report_line(line: str) -> ReportFigures:
    """One text REPORT line; raises ReportNotFound when it is not one."""
    if "REPORT" not in line:
        raise ReportNotFound("not a REPORT line")
    values: dict[str, float] = {}
    for name, number, unit in _TEXT_FIELD.findall(line):
        if _TEXT_KEYS[name] in values:
            continue
        if not _NUMBER.fullmatch(number):
            raise InvalidReport(f"REPORT {name}: {clip(number, 40)!r} {unit} is not a number")
        values[_TEXT_KEYS[name]] = float(number)
    if "duration_ms" not in values or "billed_duration_ms" not in values:
        raise ReportNotFound("REPORT line without Duration and Billed Duration: "
                             f"{clip(line)!r}")
    request = _REQUEST_ID.search(line)
    return _figures(values, request.group(1) if request else None)


def parse_platform_report(record: dict) -> ReportFigures:
    """A JSON-format `platform.report` log record."""
    body = _object(record.get("record"), "record")
    metrics = _object(body.get("metrics"), "record.metrics")
    values = {_JSON_KEYS[k]: _metric(k, v) for k, v in metrics.items() if k in _JSON_KEYS}
    if "duration_ms" not in values or "billed_duration_ms" not in values:
        raise ReportNotFound("platform.report without durationMs and billedDurationMs")
    request_id = body.get("requestId")
    return _figures(values, request_id if isinstance(request_id, str) else None)


def _object(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidReport(f"platform.report {where} is {kind(value)}, expected an object")
    return value


def _metric(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidReport(f"platform.report {key} is {kind(value)}, expected a number")
    try:
        return float(value)
    except OverflowError:
        return math.inf



def parse_log(log: str) -> ReportFigures:
    """The last REPORT in a log, text or JSON lines."""
    for line in reversed(log.splitlines()):
        stripped = line.strip()
        if stripped.startswith("{") and "platform.report" in stripped:
            try:
                record = json.loads(stripped)
            except (ValueError, RecursionError):
                continue
            if record.get("type") == "platform.report":
                return parse_platform_report(record)
        elif "REPORT" in stripped and "Duration" in stripped:
            return parse_report_line(stripped)
    raise ReportNotFound("no REPORT in the log")


def parse_log_result(log_result_b64: str) -> ReportFigures:
    """X-Amz-Log-Result (base64 of the invocation's log tail)."""
    if len(log_result_b64) > MAX_LOG_RESULT_CHARS:
        raise InvalidReport(f"LogResult of {len(log_result_b64):,} characters, over the "
                            f"{MAX_LOG_RESULT_CHARS:,} a 4 KB log tail can take")
    try:
        log = base64.b64decode(log_result_b64, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError) as error:
        raise ReportNotFound(f"LogResult is not base64: {error}") from None
    return parse_log(log)


def _figures(values: dict[str, float], request_id: str | None) -> ReportFigures:
    for key, value in values.items():
        low, high = _BOUNDS[key]
        unit = "MB" if key.endswith("_mb") else "ms"
        if not math.isfinite(value):
            raise InvalidReport(f"REPORT {_NAMES[key]}: {value} is not a finite number")
        if not low <= value <= high:
            raise InvalidReport(f"REPORT {_NAMES[key]}: {value:g} {unit} is outside "
                                f"{low:g}–{high:g} {unit}, Lambda's limits")

    def as_int(key: str) -> int | None:
        return int(values[key]) if key in values else None

    return ReportFigures(
        request_id=clip(request_id) if request_id else None,
        duration_ms=values["duration_ms"],
        billed_duration_ms=values["billed_duration_ms"],
        memory_size_mb=as_int("memory_size_mb"),
        max_memory_used_mb=as_int("max_memory_used_mb"),
        init_duration_ms=values.get("init_duration_ms"),
        restore_duration_ms=values.get("restore_duration_ms"),
        billed_restore_duration_ms=values.get("billed_restore_duration_ms"),
    )
