"""Invoke a function once and turn what comes back into a Sample.

Durations come from Lambda's REPORT line (`LogType=Tail`). Where Tail is refused (as
`sam local start-lambda` answers 501) every later sample falls back to client-side timing,
and the sample says so. Errors are classified and kept, never dropped.
"""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

from .parse import ReportNotFound, parse_log_result
from .payloads import Request
from .samples import OK, Sample
from .targets import Target

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


class Invoker:
    def __init__(self, client: LambdaClient, payload: bytes, rows: int) -> None:
        self.client = client
        self.payload = payload
        self.rows = rows
        self.tail_refused: str | None = None
        self._lock = threading.Lock()

    def invoke(self, target: Target, memory_mb: int, phase: str, forced_cold: bool = False,
               request: Request | None = None) -> Sample:
        """`request`: one of a replayed mix (--payloads); None sends the one payload."""
        use_tail = self.tail_refused is None
        started = time.perf_counter()
        try:
            response = self.client.invoke(FunctionName=target.function,
                                          Payload=request.body if request else self.payload,
                                          LogType="Tail" if use_tail else "None")
            body = response["Payload"].read()
        except ClientError as error:
            elapsed = (time.perf_counter() - started) * 1000.0
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if use_tail and status == 501:
                with self._lock:
                    self.tail_refused = (f"{target.function} refused LogType=Tail (HTTP 501): "
                                         "durations are client-side wall-clock times")
                return self.invoke(target, memory_mb, phase, forced_cold, request)
            code = error.response.get("Error", {}).get("Code", "ClientError")
            outcome = "throttled" if code in ("TooManyRequestsException", "Throttling",
                                              "ThrottlingException") else "client_error"
            return self._sample(target, memory_mb, phase, outcome, elapsed, forced_cold, request,
                                error=f"{code}: {error.response.get('Error', {}).get('Message')}",
                                retries=error.response.get("ResponseMetadata", {}).get(
                                    "RetryAttempts", 0))
        except ReadTimeoutError as error:
            elapsed = (time.perf_counter() - started) * 1000.0
            return self._sample(target, memory_mb, phase, "timeout", elapsed, forced_cold,
                                request, error=f"client read timeout: {error}")
        except BotoCoreError as error:
            elapsed = (time.perf_counter() - started) * 1000.0
            return self._sample(target, memory_mb, phase, "client_error", elapsed,
                                forced_cold, request, error=f"{type(error).__name__}: {error}")
        elapsed = (time.perf_counter() - started) * 1000.0
        metadata = response.get("ResponseMetadata", {})
        sample = self._sample(target, memory_mb, phase, OK, elapsed, forced_cold, request,
                              retries=metadata.get("RetryAttempts", 0),
                              request_id=metadata.get("RequestId"))
        self._apply_report(sample, response.get("LogResult"))
        self._apply_payload(sample, body, response.get("FunctionError"))
        return sample

    def _sample(self, target: Target, memory_mb: int, phase: str, outcome: str,
                client_ms: float, forced_cold: bool, request: Request | None,
                **extra: Any) -> Sample:
        return Sample(architecture=target.architecture, function=target.function,
                      memory_mb=memory_mb, phase=phase, outcome=outcome, client_ms=client_ms,
                      source="client", rows=request.rows if request else self.rows,
                      request=request.index if request else None, forced_cold=forced_cold,
                      **extra)

    @staticmethod
    def _apply_report(sample: Sample, log_result: str | None) -> None:
        if not log_result:
            sample.duration_ms = sample.client_ms
            return
        try:
            report = parse_log_result(log_result)
        except ReportNotFound:
            sample.duration_ms = sample.client_ms
            return
        sample.source = "report"
        sample.duration_ms = report.duration_ms
        sample.billed_duration_ms = report.billed_duration_ms
        sample.init_duration_ms = report.init_duration_ms
        sample.restore_duration_ms = report.restore_duration_ms
        sample.billed_restore_duration_ms = report.billed_restore_duration_ms
        sample.max_memory_used_mb = report.max_memory_used_mb
        sample.memory_size_mb = report.memory_size_mb
        if report.request_id:
            sample.request_id = report.request_id

    @staticmethod
    def _apply_payload(sample: Sample, body: bytes, function_error: str | None) -> None:
        try:
            document = json.loads(body) if body else None
        except ValueError:
            document = None
        if function_error:
            message = str((document or {}).get("errorMessage", body[:200]))
            sample.outcome = "timeout" if "timed out" in message else "function_error"
            sample.error = f"{function_error}: {(document or {}).get('errorType', '')} {message}"
            return
        if isinstance(document, dict) and "statusCode" in document and "body" in document:
            try:
                document = json.loads(document["body"])
            except (TypeError, ValueError):
                document = None
        if not isinstance(document, dict) or "error" in document:
            error = (document or {}).get("error") if isinstance(document, dict) else None
            sample.outcome = "rejected"
            sample.error = json.dumps(error)[:300] if error else "unexpected response"
            return
        predictions = document.get("predictions") or []
        sample.labels = [p.get("label") for p in predictions]
        # Every number the answer holds (class probabilities, or a margin, value or score),
        # for the consistency check between the two functions.
        sample.probabilities = [float(value) for p in predictions
                                for value in (*p.get("probabilities", {}).values(),
                                              *(p[key] for key in ("margin", "value", "score")
                                                if key in p))]
