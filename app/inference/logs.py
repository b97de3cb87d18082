"""One structured JSON log line per request.

Written straight to stdout (Lambda ships stdout to CloudWatch): a `logging` call costs
more than the compiled model's prediction itself, and every line is already JSON that
CloudWatch Logs Insights can query whatever the function's log format.
"""

from __future__ import annotations

import json
import sys

from .jsontext import json_string

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO


class RequestLog:
    def __init__(self, engine: str, model_version: str, stream: TextIO | None = None) -> None:
        tail = f',"engine":{json.dumps(engine)},"model_version":{json.dumps(model_version)}'
        self._ok = '{"level":"INFO","message":"prediction","request_id":%s,"rows":%d,' \
                   '"latency_ms":%.4f' + tail + "}\n"
        self._rejected = '{"level":"WARN","message":"rejected","request_id":%s,"rows":%d,' \
                         '"latency_ms":%.4f' + tail + ',"error_code":%s}\n'
        self._stream = stream

    def request(self, request_id: str | None, rows: int, latency_ms: float,
                error_code: str | None = None) -> None:
        stream = self._stream or sys.stdout
        if error_code is None:
            stream.write(self._ok % (json_string(request_id), rows, latency_ms))
        else:
            stream.write(self._rejected % (json_string(request_id), rows, latency_ms,
                                           json_string(error_code)))

    def init(self, details: dict[str, Any]) -> None:
        record = {"level": "INFO", "message": "init", **details}
        stream = self._stream or sys.stdout
        stream.write(json.dumps(record, separators=(",", ":")) + "\n")
        stream.flush()

