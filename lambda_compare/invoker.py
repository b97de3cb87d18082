"""Invoke a function once and turn what comes back into a Sample.

Durations come from Lambda's REPORT line (`LogType=Tail`). Where Tail is refused (as
`sam local start-lambda` answers 501) every later sample falls back to client-side timing,
and the sample says so. Errors are classified and kept, never dropped: each invocation is bounded in
time and bytes (bounded.py), its answer type-checked (answers.py) and its REPORT validated
(report_line.py); anything unexpected is counted as a client error (--debug prints its traceback).
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

from . import answers
from .bounded import BoundedCalls, Cancelled, InvokeTimedOut
from .limits import DEFAULT_INVOKE_TIMEOUT_S, clip
from .payloads import Request
from .report_line import InvalidReport, ReportNotFound, parse_log_result
from .samples import OK, Sample
from .targets import Target

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


class Invoker:
    def __init__(self, client: LambdaClient, payload: bytes, rows: int,
                 calls: BoundedCalls | None = None, debug: bool = False) -> None:
        self.client = client
        self.payload = payload
        self.rows = rows
        self.calls = calls or BoundedCalls(DEFAULT_INVOKE_TIMEOUT_S)
        self.calls.install(client)
        self.debug = debug
        self.tail_refused: str | None = None
        self._lock = threading.Lock()

    def cancel(self) -> None:
        """Ctrl-C: every invocation in flight ends now."""
        self.calls.cancel()

    def invoke(self, target: Target, memory_mb: int, phase: str, forced_cold: bool = False,
               request: Request | None = None) -> Sample:
        """`request`: one of a replayed mix (--payloads); None sends the one payload."""
        started = time.perf_counter()
        try:
            return self._invoke(target, memory_mb, phase, forced_cold, request)
        except Cancelled:
            raise
        except Exception as error:  # a bug or an answer nobody foresaw: counted, not raised
            if self.debug:
                traceback.print_exc(file=sys.stderr)
            return self._sample(target, memory_mb, phase, "client_error",
                                (time.perf_counter() - started) * 1000.0, forced_cold, request,
                                error=f"unexpected {type(error).__name__}: {error} (--debug "
                                      "prints its traceback)")

    def _invoke(self, target: Target, memory_mb: int, phase: str, forced_cold: bool,
                request: Request | None) -> Sample:
        use_tail = self.tail_refused is None
        started = time.perf_counter()
        try:
            answer = self.calls.invoke(self.client, FunctionName=target.function,
                                       Payload=request.body if request else self.payload,
                                       LogType="Tail" if use_tail else "None")
        except InvokeTimedOut as error:
            return self._sample(target, memory_mb, phase, "timeout",
                                (time.perf_counter() - started) * 1000.0, forced_cold, request,
                                error=str(error))
        except answers.AnswerError as error:
            return self._sample(target, memory_mb, phase, "invalid_answer",
                                (time.perf_counter() - started) * 1000.0, forced_cold, request,
                                error=str(error))
        except ClientError as error:
            elapsed = (time.perf_counter() - started) * 1000.0
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if use_tail and status == 501:
                with self._lock:
                    self.tail_refused = (f"{target.function} refused LogType=Tail (HTTP 501): "
                                         "durations are client-side wall-clock times")
                return self._invoke(target, memory_mb, phase, forced_cold, request)
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
        response = answer.response
        metadata = response.get("ResponseMetadata", {})
        request_id = metadata.get("RequestId")
        sample = self._sample(target, memory_mb, phase, OK, answer.client_ms, forced_cold,
                              request,
                              retries=metadata.get("RetryAttempts", 0),
                              request_id=clip(request_id) if request_id else None)
        self._apply_payload(sample, answer.body, response.get("FunctionError"))
        self._apply_report(sample, response.get("LogResult"))
        return sample

    def _sample(self, target: Target, memory_mb: int, phase: str, outcome: str,
                client_ms: float, forced_cold: bool, request: Request | None,
                error: str | None = None, **extra: Any) -> Sample:
        return Sample(architecture=target.architecture, function=target.function,
                      memory_mb=memory_mb, phase=phase, outcome=outcome, client_ms=client_ms,
                      source="client", rows=request.rows if request else self.rows,
                      request=request.index if request else None, forced_cold=forced_cold,
                      error=clip(error) if error else None, **extra)

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
        except InvalidReport as error:
            if sample.ok:  # a function error says more than its REPORT
                sample.outcome, sample.error = "invalid_report", clip(str(error))
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
        if function_error:
            sample.error, timed_out = answers.function_error(function_error, body)
            sample.outcome = "timeout" if timed_out else "function_error"
            return
        try:
            found = answers.predictions(body)
        except answers.Refusal as refusal:
            sample.outcome, sample.error = "rejected", str(refusal)
            return
        except answers.AnswerError as error:
            sample.outcome, sample.error = "invalid_answer", str(error)
            return
        sample.labels = found.labels
        # Every number the answer holds (class probabilities, or a margin, value or score),
        # for the consistency check between the two functions.
        sample.probabilities = found.numbers
