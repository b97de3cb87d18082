"""`make bench`: the naive handler, the xgboost engine and the compiled engine, side by side.

Everything is measured in the same run, in rounds, and reported as medians with min/max over
rounds and as ratios against the naive handler (the machine is shared and noisy: absolute
times move, ratios much less). Warm timings call `lambda_handler` in this process and include
the runtime client's marshalling of the answer. Batches come as Function URL events (the body
a JSON string the handler reads) and as direct invokes (JSON bytes the runtime client decodes
before the handler sees them: that decode is timed apart), each with the data set's short
decimals and with full-precision numbers (payloads.py). Cold starts go through the local
runtime (cold_start.py), beside a hello-world handler's as the floor.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller

from artifact_contract import METADATA_FILE
from bench.cold_start import cold_starts
from bench.payloads import cycled, direct_payload, full_precision, url_event
from bench.spread import spread
from bench.tables import BATCHES, FULL, crossover_note, direct_note, table
from devkit.model import parity_requests
from devkit.paths import MODEL_DIR, ROOT, host_library
from local_lambda.inprocess import load_handler_module

# What `make lib` builds for this machine from MODEL_DIR, parity-checked.
HOST_LIBRARY = host_library()
STATE = ROOT / ".bench"
RUNTIME = LambdaMarshaller()
MARSHAL = RUNTIME.marshal_response


class Quiet:
    """Handlers log a line per request; the benchmark keeps them out of its table."""

    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass


def load_variants(model_dir: Path, library: Path, tag: str) -> dict[str, Callable]:
    env = {"MODEL_DIR": str(model_dir), "MODEL_LIBRARY": str(library)}
    saved, sys.stdout = sys.stdout, Quiet()
    try:
        naive = load_handler_module(ROOT / "bench" / "naive" / "naive_handler.py",
                                    {"LAMBDA_TASK_ROOT": str(model_dir)}, f"naive_{tag}")
        engines = {engine: load_handler_module(ROOT / "app" / "app.py",
                                               {**env, "INFERENCE_ENGINE": engine},
                                               f"app_{engine}_{tag}")
                   for engine in ("xgboost", "compiled")}
    finally:
        sys.stdout = saved
    for module in engines.values():
        module.LOG._stream = Quiet()
    return {"naive": naive.lambda_handler, **{k: m.lambda_handler for k, m in engines.items()}}


def timed(handler: Callable, event: Any, calls: int) -> list[float]:
    """Seconds per call: the handler and the runtime client's marshalling of its answer."""
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        MARSHAL(handler(event, None))
        times.append(time.perf_counter() - started)
    return times


def rounds(measure: Callable[[], float], count: int) -> dict[str, float]:
    return spread([measure() for _ in range(count)])


def warm_single(handlers: dict[str, Callable], event: Any, count: int) -> dict[str, Any]:
    result = {}
    for name, handler in handlers.items():
        calls = 2000 if name == "compiled" else 300
        timed(handler, event, 50)
        samples: list[list[float]] = []

        def one_round(handler: Callable = handler, calls: int = calls,
                      samples: list[list[float]] = samples) -> float:
            times = sorted(timed(handler, event, calls))
            samples.append(times)
            return times[len(times) // 2] * 1e6

        p50 = rounds(one_round, count)
        p99 = statistics.median(t[int(len(t) * 0.99)] * 1e6 for t in samples)
        result[name] = {"p50_us": p50, "p99_us": p99}
    return result


def batch_throughput(handlers: dict[str, Callable], rows: list[list[float | None]], count: int,
                     sizes: tuple[int, ...] = BATCHES) -> dict[str, Any]:
    """Function URL events: the short decimals at each size, and a full-precision batch."""
    result: dict[str, Any] = {}
    payloads = [(str(size), cycled(rows, size)) for size in sizes]
    payloads.append((f"{FULL} full", full_precision(rows, FULL)))
    for key, batch in payloads:
        event = url_event(batch)
        size = len(batch)
        calls = max(3, min(200, 20_000 // size))
        for name, handler in handlers.items():
            timed(handler, event, 2)

            def one_round(handler: Callable = handler, event: Any = event, calls: int = calls,
                          size: int = size) -> float:
                return size / statistics.median(timed(handler, event, calls))

            result.setdefault(name, {})[key] = rounds(one_round, count)
    return result


def direct_path(handlers: dict[str, Callable], rows: list[list[float | None]], count: int
                ) -> dict[str, Any]:
    """Direct invokes: the runtime client's decode of the payload, then the handler's part.

    A batch sent as the Function URL event's shape (body a JSON string) is decoded by the
    runtime client as one string, and its numbers are read by our C reader.
    """
    result: dict[str, Any] = {}
    full = full_precision(rows, FULL)
    payloads = (("short", direct_payload(cycled(rows, FULL))), ("full", direct_payload(full)),
                # the Function URL event's shape sent as a direct invoke: the batch is one string
                ("full as body", json.dumps(url_event(full)).encode()))
    for precision, payload in payloads:
        for name, handler in handlers.items():
            samples: dict[str, list[float]] = {"decode_ms": [], "ours_ms": [], "rows_per_s": []}
            for _ in range(count + 1):  # the first round warms up
                started = time.perf_counter()
                event = RUNTIME.unmarshal_request(payload)
                decoded = time.perf_counter()
                MARSHAL(handler(event, None))
                done = time.perf_counter()
                samples["decode_ms"].append((decoded - started) * 1000)
                samples["ours_ms"].append((done - decoded) * 1000)
                samples["rows_per_s"].append(FULL / (done - started))
            result.setdefault(name, {})[precision] = {k: spread(v[1:])
                                                       for k, v in samples.items()}
    return result


def large_model(count: int, log: Callable[[str], None]) -> dict[str, Any]:
    """The 1000-tree model (train-code's --rounds 1000 --early-stopping 0)."""
    model_dir = STATE / "model-1000"
    if not (model_dir / METADATA_FILE).is_file():
        log("training the 1000-tree model")
        subprocess.run([sys.executable, str(ROOT / "train-code" / "train.py"), "--rounds", "1000",
                        "--early-stopping", "0", "--output-dir", str(model_dir)], check=True,
                       capture_output=True)
    out = STATE / "native-1000"
    log("compiling the 1000-tree model")
    subprocess.run(["make", "-s", "-C", str(ROOT / "app" / "native"), "check", f"OUT={out}",
                    f"MODEL_DIR={model_dir}"], check=True, capture_output=True)
    handlers = load_variants(model_dir, out / "libmodel.so", "1000")
    rows = parity_requests(model_dir)  # the demo's rows, whatever model is served
    single = {"features": rows[0]}
    return {"warm_single": warm_single(handlers, single, count),
            "batch": batch_throughput(handlers, rows, count)}


def regression_direct(count: int) -> dict[str, Any]:
    """The 200-tree regression model (big_models.py built it) through the handlers."""
    base = STATE / "big" / "regression-200" / "chosen"
    handlers = load_variants(base / "model", base / "lib" / "libmodel.so", "reg200")
    return direct_path(handlers, parity_requests(base / "model"), count)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of every warm measurement (default: %(default)s)")
    parser.add_argument("--cold-starts", type=int, default=9,
                        help="cold starts per handler (default: %(default)s)")
    parser.add_argument("--skip-cold", action="store_true", help="no local-runtime cold starts")
    parser.add_argument("--skip-large", action="store_true", help="no 1000-tree model")
    parser.add_argument("--skip-big", action="store_true",
                        help="no imported 3,000-tree and 200-tree models against xgboost and "
                             "ONNX Runtime (they need requirements/bench.txt)")
    parser.add_argument("--json", type=Path, default=ROOT / "results" / "bench.json",
                        help="where to write every figure (default: results/bench.json)")
    args = parser.parse_args(argv)

    def log(text: str) -> None:
        print(f"[bench] {text}", file=sys.stderr, flush=True)

    rows = parity_requests()
    if not HOST_LIBRARY.is_file():
        parser.error(f"no model library at {HOST_LIBRARY.relative_to(ROOT)}: run `make lib` "
                     "(it builds the served model's and checks it against the parity file)")
    handlers = load_variants(MODEL_DIR, HOST_LIBRARY, "100")
    single = {"features": rows[0]}  # the served model's first parity row, by position
    report: dict[str, Any] = {"machine": platform.machine(), "python": platform.python_version(),
                              "rounds": args.rounds}
    log("warm single row")
    report["warm_single"] = warm_single(handlers, single, args.rounds)
    log("batches")
    report["batch"] = batch_throughput(handlers, rows, args.rounds)
    log("direct-invoke batches")
    report["direct"] = direct_path(handlers, rows, args.rounds)
    if not args.skip_cold:
        log("cold starts through the local runtime")
        report["cold"] = cold_starts(ROOT, rows, args.cold_starts, log)
    if not args.skip_large:
        report["large_model"] = large_model(args.rounds, log)
    if not args.skip_big:
        from bench.big_models import big_models  # xgboost and scikit-learn: not for --help

        report["big_models"] = big_models(STATE / "big", args.rounds, log)
        log("direct invokes of the 200-tree regression model")
        report["regression_200_direct"] = regression_direct(args.rounds)
    report["crossover"] = crossover_note(report)
    print(table(report))
    if "big_models" in report:
        from bench.big_models import table as big_model_table

        for name, part in report["big_models"].items():
            print(big_model_table(name, part))
    if "regression_200_direct" in report:
        print(direct_note(report["regression_200_direct"]))
    print(f"xgboost vs compiled: {report['crossover']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
