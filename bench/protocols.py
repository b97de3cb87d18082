"""A 10,000-row request in each protocol the function speaks, beside our own `instances`.

`python -m bench.protocols` (after `make lib`): the compiled engine in this process, one
Function URL event per protocol with the same rows (the data set's short decimals and full
precision, payloads.py): our `{"instances"}` JSON, the Open Inference Protocol's JSON tensor
(flat `data`, read by the C tensor reader) and binary tensor (Triton's extension, base64 as a
Function URL carries it), and SageMaker's text/csv. Rounds interleave the protocols; medians
with min-max over rounds, and each median as a ratio to `instances` from the same run.
Local, in-process, client-timed (the handler and the runtime client's marshalling).
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import struct
import sys
from collections.abc import Sequence
from typing import Any

from bench.benchmark import HOST_LIBRARY, Quiet, timed
from bench.payloads import cycled, full_precision, url_event
from bench.spread import spread
from devkit.model import parity_requests
from devkit.paths import MODEL_DIR, ROOT
from local_lambda.inprocess import load_handler_module

ROWS = 10_000


def events(rows: list[list[float | None]], model: str) -> dict[str, dict[str, Any]]:
    path = f"/v2/models/{model}/infer"
    flat = [value for row in rows for value in row]
    shape = [len(rows), len(rows[0])]

    def v2(body: str | bytes, headers: dict[str, str]) -> dict[str, Any]:
        text = base64.b64encode(body).decode() if isinstance(body, bytes) else body
        return {"version": "2.0", "rawPath": path, "headers": headers,
                "requestContext": {"http": {"method": "POST", "path": path}},
                "body": text, "isBase64Encoded": isinstance(body, bytes)}

    tensor = {"name": "input-0", "shape": shape, "datatype": "FP64"}
    data = struct.pack(f"<{len(flat)}d", *[float("nan") if v is None else v for v in flat])
    header = json.dumps({"inputs": [{**tensor, "parameters": {"binary_data_size": len(data)}}],
                         "outputs": [{"name": "probabilities"}]}).encode()
    csv = "\n".join(",".join("" if v is None else repr(v) for v in row) for row in rows)
    return {
        "instances": url_event(rows),
        "v2 json": v2(json.dumps({"inputs": [{**tensor, "data": flat}]}),
                      {"content-type": "application/json"}),
        "v2 binary": v2(header + data, {"inference-header-content-length": str(len(header))}),
        "csv": {**url_event(rows), "headers": {"content-type": "text/csv",
                                               "accept": "application/json"}, "body": csv},
    }


def measure(handler: Any, cases: dict[str, dict[str, Any]], rounds: int, calls: int
            ) -> dict[str, dict[str, float]]:
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for name, event in cases.items():  # warm each path, and check it answers
        answer = handler(event, None)
        if answer["statusCode"] != 200:
            raise SystemExit(f"{name}: {answer['body'][:300]}")
    for _ in range(rounds):
        for name, event in cases.items():
            samples[name].append(statistics.median(timed(handler, event, calls)) * 1e3)
    return {name: spread(values) for name, values in samples.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=5, help="calls per round and protocol")
    args = parser.parse_args(argv)
    saved, sys.stdout = sys.stdout, Quiet()
    try:
        module = load_handler_module(ROOT / "app" / "app.py",
                                     {"MODEL_DIR": str(MODEL_DIR),
                                      "MODEL_LIBRARY": str(HOST_LIBRARY),
                                      "INFERENCE_ENGINE": "compiled"}, "app_protocols")
    finally:
        sys.stdout = saved
    module.LOG._stream = Quiet()
    rows = parity_requests()
    model = module.PREDICTOR.bundle.model_version
    print(f"{ROWS}-row Function URL events, compiled engine, in-process (local, client-timed);"
          f" median ms per request [min-max over {args.rounds} rounds], ratio to instances")
    for label, batch in (("short decimals", cycled(rows, ROWS)),
                         ("full precision", full_precision(rows, ROWS))):
        result = measure(module.lambda_handler, events(batch, model), args.rounds, args.calls)
        base = result["instances"]["median"]
        for name, figures in result.items():
            print(f"  {label:15} {name:10} {figures['median']:8.2f} ms "
                  f"[{figures['min']:.2f}-{figures['max']:.2f}]  x{figures['median'] / base:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
