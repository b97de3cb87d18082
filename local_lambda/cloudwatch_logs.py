"""The functions' logs, written to CloudWatch Logs (`start-lambda --logs-endpoint-url URL`).

As Lambda does: one log group per function (its LoggingConfig's, else /aws/lambda/NAME), one
stream per execution environment (`YYYY/MM/DD/[$LATEST]` and a random id), created when first
needed, through real PutLogEvents calls. Writing happens on a thread of its own, in batches,
so an invocation never waits for CloudWatch; a failed write is said once on the console and
never fails an invocation. `close` sends what is queued before the runtime stops.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from .functions import FunctionSpec
from .log_records import invocation_events
from .report_line import Report

BATCH_EVENTS = 1000  # PutLogEvents takes up to 10,000 events and 1 MB
BATCH_BYTES = 512 * 1024
FLUSH_SECONDS = 0.2
CLOSE_SECONDS = 15.0


class CloudWatchLogsWriter:
    def __init__(self, endpoint_url: str, region: str, client: Any = None) -> None:
        self.endpoint_url = endpoint_url
        self.client = client or _logs_client(endpoint_url, region)
        self.written = 0
        self.dropped = 0
        self._queue: queue.Queue[tuple[str, str, list[tuple[int, str]]] | None] = queue.Queue()
        self._streams: dict[tuple[str, int], str] = {}
        self._created: set[tuple[str, str]] = set()
        self._complained = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="cloudwatch-logs")
        self._thread.start()

    def record(self, spec: FunctionSpec, worker_id: int, report: Report,
               function_lines: list[str], started_ms: int, note: str) -> None:
        """Queue one invocation's log; returns at once."""
        key = (spec.name, worker_id)
        stream = self._streams.get(key)
        if stream is None:
            day = datetime.now(UTC).strftime("%Y/%m/%d")
            stream = self._streams.setdefault(key, f"{day}/[$LATEST]{uuid.uuid4().hex}")
        events = invocation_events(spec.log_format, report, function_lines, started_ms,
                                   int(time.time() * 1000), note)
        self._queue.put((spec.log_group, stream, events))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(CLOSE_SECONDS)

    def _run(self) -> None:
        pending: dict[tuple[str, str], list[tuple[int, str]]] = {}
        while True:
            try:
                item = self._queue.get(timeout=FLUSH_SECONDS)
            except queue.Empty:
                self._flush(pending)
                continue
            if item is None:
                self._flush(pending)
                return
            group, stream, events = item
            batch = pending.setdefault((group, stream), [])
            batch.extend(events)
            if self._queue.empty() or len(batch) >= BATCH_EVENTS:
                self._flush(pending)

    def _flush(self, pending: dict[tuple[str, str], list[tuple[int, str]]]) -> None:
        for where, events in pending.items():
            self._send(where, events)
        pending.clear()

    def _send(self, where: tuple[str, str], events: list[tuple[int, str]]) -> None:
        group, stream = where
        try:
            self._create(group, stream)
            for batch in _batches(sorted(events, key=lambda e: e[0])):
                self.client.put_log_events(
                    logGroupName=group, logStreamName=stream,
                    logEvents=[{"timestamp": t, "message": m} for t, m in batch])
                self.written += len(batch)
        except Exception as error:  # CloudWatch unreachable or refusing: say so, keep serving
            self.dropped += len(events)
            if not self._complained:
                self._complained = True
                print(f"[local-lambda] could not write logs to {self.endpoint_url} "
                      f"({type(error).__name__}: {str(error)[:200]}); invocations go on, "
                      "their logs are dropped", file=sys.stderr, flush=True)

    def _create(self, group: str, stream: str) -> None:
        from botocore.exceptions import ClientError

        for kind, key in (("group", (group, "")), ("stream", (group, stream))):
            if key in self._created:
                continue
            try:
                if kind == "group":
                    self.client.create_log_group(logGroupName=group)
                else:
                    self.client.create_log_stream(logGroupName=group, logStreamName=stream)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != \
                        "ResourceAlreadyExistsException":
                    raise
            self._created.add(key)


def _batches(events: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    batches: list[list[tuple[int, str]]] = [[]]
    size = 0
    for event in events:
        cost = len(event[1].encode()) + 26  # PutLogEvents counts 26 bytes per event
        if batches[-1] and (len(batches[-1]) >= BATCH_EVENTS or size + cost > BATCH_BYTES):
            batches.append([])
            size = 0
        batches[-1].append(event)
        size += cost
    return [b for b in batches if b]


def _logs_client(endpoint_url: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.Session()
    key = None if session.get_credentials() else "local"  # a local endpoint checks none
    config = Config(connect_timeout=2, read_timeout=5,
                    retries={"mode": "standard", "total_max_attempts": 2})
    return session.client("logs", endpoint_url=endpoint_url, region_name=region,
                          config=config, aws_access_key_id=key, aws_secret_access_key=key)
