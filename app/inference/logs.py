"""One structured JSON log line per request.

Written straight to stdout (Lambda ships stdout to CloudWatch): a `logging` call costs
more than the compiled model's prediction itself, and every line is already JSON that
CloudWatch Logs Insights can query whatever the function's log format.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO


class RequestLog:
    def __init__(self, engine: str, model_version: str, stream: TextIO | None = None) -> None:
        self._static = {"engine": engine, "model_version": model_version}
        self._stream = stream

    def request(self, request_id: str | None, rows: int, latency_ms: float,
                error_code: str | None = None) -> None:
        record: dict[str, Any] = {
            "level": "INFO" if error_code is None else "WARN",
            "message": "prediction" if error_code is None else "rejected",
            "request_id": request_id,
            "rows": rows,
            "latency_ms": round(latency_ms, 4),
            **self._static,
        }
        if error_code is not None:
            record["error_code"] = error_code
        stream = self._stream or sys.stdout
        stream.write(json.dumps(record, separators=(",", ":")) + "\n")

    def init(self, details: dict[str, Any]) -> None:
        record = {"level": "INFO", "message": "init", **details}
        stream = self._stream or sys.stdout
        stream.write(json.dumps(record, separators=(",", ":")) + "\n")
        stream.flush()
