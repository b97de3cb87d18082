"""Lambda's REPORT lines of a time window, read from CloudWatch Logs (`--from-logs`).

Only `logs:FilterLogEvents` is needed. The log group comes from `--log-group-…`, else from the
function's LoggingConfig when `GetFunctionConfiguration` is allowed, else `/aws/lambda/NAME`;
a read that is denied or absent is skipped with a note. Pages are followed up to
`--max-events` events per function, with progress on stderr. Text and JSON log formats are
read alike (`report_line`), and the function's own `"message":"prediction"` (or, for requests
that predict nothing, `"metadata"`) lines lend each request its row count and the model version
when they are there.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from .errors import EXIT_USAGE, UserError
from .report_line import (
    InvalidReport,
    ReportFigures,
    ReportNotFound,
    parse_platform_report,
    parse_report_line,
)
from .samples import OK, Sample
from .targets import Target

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

# REPORT lines (text), platform.report records (JSON), and the function's prediction lines.
FILTER_PATTERN = '?"REPORT RequestId" ?"platform.report" ?"prediction" ?"metadata"'
_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_STATUS = re.compile(r"Status:\s*(\w+)")
_ARN_NAME = re.compile(r"^arn:aws[\w-]*:lambda:[^:]*:\d*:function:([^:]+)")


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def text(self) -> str:
        return f"{_iso(self.start)} to {_iso(self.end)}"


@dataclass
class LogSource:
    target: Target
    log_group: str
    how: str  # where the group's name came from
    log_format: str | None = None  # from LoggingConfig, when it could be read


@dataclass
class Reading:
    """What one function's log group held in the window."""

    source: LogSource
    samples: list[Sample] = field(default_factory=list)
    events_read: int = 0
    pages: int = 0
    truncated: bool = False
    invalid_reports: int = 0  # REPORT lines whose figures cannot be Lambda's: not samples
    model_versions: set[str] = field(default_factory=set)
    engines: set[str] = field(default_factory=set)
    hosts: set[str] = field(default_factory=set)  # the local runtime's "where it ran" notes
    first_ms: int | None = None
    last_ms: int | None = None


def parse_window(since: str | None, start: str | None, end: str | None,
                 now: datetime | None = None) -> Window:
    """`--since 24h`, or `--start`/`--end` in ISO 8601 (no zone: UTC); default the last 24 h."""
    now = now or datetime.now(UTC)
    if since and (start or end):
        raise UserError("bad_window", "pass --since, or --start/--end, not both", EXIT_USAGE)
    if start or end:
        begin = _parse_time(start, "--start") if start else now - timedelta(days=1)
        finish = _parse_time(end, "--end") if end else now
    else:
        match = _SINCE.match(since or "24h")
        if not match:
            raise UserError("bad_window", f"--since {since!r}: a number and s, m, h or d, "
                            "e.g. 24h or 90m", EXIT_USAGE)
        begin = now - timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
        finish = now
    if begin >= finish:
        raise UserError("bad_window", f"the window is empty: {_iso(begin)} is not before "
                        f"{_iso(finish)}", EXIT_USAGE)
    return Window(begin, finish)


def log_sources(lambda_client: LambdaClient | None, targets: list[Target],
                overrides: dict[str, str | None], notes: list[str]) -> list[LogSource]:
    """Each function's log group; every optional read that fails adds a note instead."""
    sources = []
    for target in targets:
        name = _function_name(target.function)
        default = f"/aws/lambda/{name}"
        override = overrides.get(target.architecture)
        if override:
            sources.append(LogSource(target, override, "given"))
            continue
        config = _configuration(lambda_client, target, notes)
        logging_config = (config or {}).get("LoggingConfig") or {}
        group = logging_config.get("LogGroup")
        if group:
            sources.append(LogSource(target, group, "LoggingConfig",
                                     logging_config.get("LogFormat")))
        else:
            if config is not None:
                notes.append(f"{target.architecture}: no LoggingConfig.LogGroup in "
                             f"{target.function}'s configuration: reading {default}")
            sources.append(LogSource(target, default, "default"))
    return sources


def read_reports(logs_client: Any, source: LogSource, window: Window, max_events: int,
                 progress: TextIO | None = None) -> Reading:
    """Every REPORT of one log group in the window, page after page, at most max_events."""
    stream = progress or sys.stderr
    reading = Reading(source)
    rows_by_request: dict[str, int] = {}
    request: dict[str, Any] = {
        "logGroupName": source.log_group, "filterPattern": FILTER_PATTERN,
        "startTime": int(window.start.timestamp() * 1000),
        "endTime": int(window.end.timestamp() * 1000), "limit": min(10_000, max_events)}
    while True:
        page = logs_client.filter_log_events(**request)
        reading.pages += 1
        for event in page.get("events", []):
            if reading.events_read >= max_events:
                reading.truncated = True
                break
            reading.events_read += 1
            _take(reading, event, rows_by_request)
        stream.write(f"from-logs: {source.target.architecture}: {source.log_group}: page "
                     f"{reading.pages}, {reading.events_read} events, "
                     f"{len(reading.samples)} REPORT lines\n")
        stream.flush()
        token = page.get("nextToken")
        if reading.truncated or not token:
            break
        request["nextToken"] = token
    for sample in reading.samples:
        sample.rows = rows_by_request.get(sample.request_id or "", 1)
    return reading


def _take(reading: Reading, event: dict[str, Any], rows_by_request: dict[str, int]) -> None:
    message = str(event.get("message", "")).strip()
    timestamp = int(event.get("timestamp", 0))
    record = _json(message)
    if record is not None and record.get("message") in ("prediction", "metadata"):
        if isinstance(record.get("rows"), int) and isinstance(record.get("request_id"), str):
            rows_by_request[record["request_id"]] = record["rows"]
        if isinstance(record.get("model_version"), str):
            reading.model_versions.add(record["model_version"])
        if isinstance(record.get("engine"), str):
            reading.engines.add(record["engine"])
        return
    try:
        if record is not None and record.get("type") == "platform.report":
            figures = parse_platform_report(record)
            body = record.get("record") or {}
            status = str(body.get("status") or "success")
            host = body.get("hostArchitecture")
        elif record is None and message.startswith("REPORT"):
            figures = parse_report_line(message)
            found = _STATUS.search(message)
            status = found.group(1) if found else "success"
            host = message[message.index("Host Architecture:"):].strip() \
                if "Host Architecture:" in message else None
        else:
            return
    except ReportNotFound:
        return
    except InvalidReport:
        reading.invalid_reports += 1
        return
    if isinstance(host, str):
        reading.hosts.add(host)
    reading.first_ms = min(reading.first_ms or timestamp, timestamp)
    reading.last_ms = max(reading.last_ms or timestamp, timestamp)
    reading.samples.append(_sample(reading.source.target, figures, status))


def _sample(target: Target, figures: ReportFigures, status: str) -> Sample:
    outcome = {"success": OK, "timeout": "timeout"}.get(status, "function_error")
    return Sample(
        architecture=target.architecture, function=target.function,
        memory_mb=figures.memory_size_mb or 0, phase="warm", outcome=outcome,
        client_ms=figures.duration_ms, source="logs", duration_ms=figures.duration_ms,
        billed_duration_ms=figures.billed_duration_ms,
        init_duration_ms=figures.init_duration_ms,
        restore_duration_ms=figures.restore_duration_ms,
        billed_restore_duration_ms=figures.billed_restore_duration_ms,
        max_memory_used_mb=figures.max_memory_used_mb,
        memory_size_mb=figures.memory_size_mb, request_id=figures.request_id,
        error=None if outcome == OK else f"REPORT status {status}")


def _configuration(lambda_client: LambdaClient | None, target: Target,
                   notes: list[str]) -> dict[str, Any] | None:
    default = f"/aws/lambda/{_function_name(target.function)}"
    if lambda_client is None:
        return None
    try:
        return dict(lambda_client.get_function_configuration(FunctionName=target.function))
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "ClientError")
        notes.append(f"{target.architecture}: GetFunctionConfiguration of {target.function} "
                     f"skipped ({code}): reading {default}; pass --log-group-"
                     f"{target.architecture.replace('_', '-')} if the function logs elsewhere")
    except BotoCoreError as error:
        notes.append(f"{target.architecture}: GetFunctionConfiguration of {target.function} "
                     f"skipped ({type(error).__name__}): reading {default}")
    return None


def _function_name(function: str) -> str:
    match = _ARN_NAME.match(function)
    return match.group(1) if match else function


def _json(message: str) -> dict[str, Any] | None:
    if not message.startswith("{"):
        return None
    try:
        document = json.loads(message)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _parse_time(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError("bad_window", f"{option} {text!r} is not ISO 8601, e.g. "
                        "2026-12-01T08:00:00Z", EXIT_USAGE) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
