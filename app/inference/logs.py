"""One structured JSON log line per request, in CloudWatch Embedded Metric Format (EMF).

Written straight to stdout (Lambda ships stdout to CloudWatch): a `logging` call costs
more than the compiled model's prediction itself. Each line is JSON that Logs Insights can
query, and its `_aws` member makes CloudWatch extract metrics from it, with no API call and
no agent: namespace `METRICS_NAMESPACE`, dimension sets (function, architecture,
model_version, engine) and (function) alone, which the template's error-rate alarm names,
plus (function, error_code) on refused requests; metrics `rows`, `latency_ms`, `errors`
(0 or 1: their average is the error rate) and `cold_start` (1 on an environment's first
request). A request that predicts nothing (describe, v2 metadata and health) is a "metadata"
line that meters `cold_start` only.
The line is a %-template filled per request: one `write`, no dict, no encoder.
"""

from __future__ import annotations

import json
import os
import sys
import time

from .jsontext import json_string

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

METRICS_NAMESPACE = "XGBoostInference"
DIMENSIONS = ("function", "architecture", "model_version", "engine")
METRICS = (("rows", "Count"), ("latency_ms", "Milliseconds"), ("errors", "Count"),
           ("cold_start", "Count"))
# Lambda's names for the machines it runs on, as the template declares them.
ARCHITECTURES = {"aarch64": "arm64", "arm64": "arm64", "x86_64": "x86_64"}


def _directive(dimension_sets: list[list[str]], metrics_named: tuple[str, ...] = ()) -> str:
    """The `_aws` member up to its Timestamp, which each line fills in; `metrics_named`: only
    these of METRICS (default: all)."""
    metrics = [{"Name": name, "Unit": unit} for name, unit in METRICS
               if not metrics_named or name in metrics_named]
    directive = json.dumps([{"Namespace": METRICS_NAMESPACE, "Dimensions": dimension_sets,
                             "Metrics": metrics}], separators=(",", ":"))
    return '{"_aws":{"CloudWatchMetrics":' + directive.replace("%", "%%") + ',"Timestamp":%d}'


class RequestLog:
    def __init__(self, engine: str, model_version: str, stream: TextIO | None = None,
                 function: str = "local", architecture: str | None = None) -> None:
        machine = architecture or os.uname().machine
        values = {"function": function, "architecture": ARCHITECTURES.get(machine, machine),
                  "model_version": model_version, "engine": engine}
        tail = "".join(f",{json.dumps(k)}:{json.dumps(v)}" for k, v in values.items())
        tail = tail.replace("%", "%%")
        request = ',"request_id":%s,"rows":%d,"latency_ms":%.4f,"cold_start":%d'
        base = [list(DIMENSIONS), ["function"]]
        self._ok = (_directive(base) + ',"level":"INFO","message":"prediction"' + request
                    + ',"errors":0' + tail + "}\n")
        # describe, metadata and health checks: no rows, latency or error to meter (they would
        # dilute the error rate and the latency), but an environment's first request may be one
        self._other = (_directive(base, ("cold_start",)) + ',"level":"INFO","message":"metadata"'
                       + request + ',"errors":0' + tail + "}\n")
        self._rejected = (_directive([*base, ["function", "error_code"]])
                          + ',"level":"WARN","message":"rejected"' + request
                          + ',"errors":1' + tail + ',"error_code":%s}\n')
        self._stream = stream
        self._cold = 1

    def request(self, request_id: str | None, rows: int, latency_ms: float,
                error_code: str | None = None) -> None:
        stream = self._stream or sys.stdout
        cold, self._cold = self._cold, 0
        now = int(time.time() * 1000)
        if error_code is None:
            line = self._ok if rows else self._other
            stream.write(line % (now, json_string(request_id), rows, latency_ms, cold))
        else:
            stream.write(self._rejected % (now, json_string(request_id), rows, latency_ms, cold,
                                           json_string(error_code)))

    def init(self, details: dict[str, Any]) -> None:
        record = {"level": "INFO", "message": "init", **details}
        stream = self._stream or sys.stdout
        stream.write(json.dumps(record, separators=(",", ":")) + "\n")
        stream.flush()
