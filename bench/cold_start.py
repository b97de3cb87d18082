"""Cold starts on the local runtime (the Runtime Interface Emulator and awslambdaric).

Each round starts a fresh execution environment per variant, interleaved so that the
machine's neighbours weigh on all variants alike: the time to the first answer, the INIT
the emulator reports, and peak RSS (VmHWM) warm and after a 10,000-row batch. A hello-world
handler that imports nothing is the floor every Python function pays; our INIT is reported
as that floor plus our overhead, the overhead as the median of per-round differences.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.payloads import cycled, url_event
from bench.spread import spread
from devkit.answers import error_answer
from local_lambda.functions import load_functions
from local_lambda.image import LocalImage, build_image, image_name
from local_lambda.worker import Outcome, Worker

FUNCTIONS = {"naive": "NaiveFunction", "xgboost": "XGBoostEngineFunction",
             "compiled": "CompiledEngineFunction", "hello": "HelloWorldFunction"}
WARM_CALLS = 20


def answered(outcome: Outcome, variant: str) -> Outcome:
    """The outcome of an invocation that answered; an error answer stops the benchmark."""
    problem = (f"function error {outcome.function_error}" if outcome.function_error
               else error_answer(outcome.payload))
    if problem:
        raise RuntimeError(f"cold starts: {variant} answered {problem}, not a prediction: "
                           f"{outcome.payload[:300]!r}")
    return outcome


def tree_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


def cold_starts(root: Path, rows: list[list[float | None]], count: int,
                log: Callable[[str], None]) -> dict[str, Any]:
    specs = load_functions(root / "bench" / "template.yaml")
    event = json.dumps({"features": rows[0]}).encode()  # the served model's first parity row
    batch = json.dumps(url_event(cycled(rows, 10_000))).encode()
    images: dict[str, LocalImage] = {}
    for variant, function in FUNCTIONS.items():
        spec = specs[function]
        images[variant] = build_image(spec.dockerfile, spec.build_args,
                                      image_name(spec.build_args, spec.docker_context),
                                      context=spec.docker_context, log=log)
    samples: dict[str, dict[str, list[Any]]] = {v: {"first": [], "init": [], "peaks": []}
                                                for v in FUNCTIONS}
    for _ in range(count):
        for variant, function in FUNCTIONS.items():
            started = time.perf_counter()
            worker = Worker(specs[function], images[variant])
            try:
                outcome = worker.invoke(event)
                first_ms = (time.perf_counter() - started) * 1000
                answered(outcome, variant)
                samples[variant]["first"].append(first_ms)
                samples[variant]["init"].append(outcome.report.init_duration_ms or 0.0)
                for _ in range(WARM_CALLS):
                    answered(worker.invoke(event), variant)
                warm_peak = worker.peak_rss_mb()
                answered(worker.invoke(batch), variant)
                samples[variant]["peaks"].append((warm_peak, worker.peak_rss_mb()))
            finally:
                worker.stop()
    result: dict[str, Any] = {
        variant: {
            "first_response_ms": spread(s["first"]),
            "init_duration_ms": spread(s["init"]),
            "peak_rss_warm_mb": max(p[0] for p in s["peaks"]),
            "peak_rss_after_10k_batch_mb": max(p[1] for p in s["peaks"]),
            "runtime_files_mb": tree_mb(images[variant].task_root),
        }
        for variant, s in samples.items()
    }
    floor = samples["hello"]["init"]
    result["init_over_floor_ms"] = {
        variant: spread([ours - hello
                         for ours, hello in zip(samples[variant]["init"], floor, strict=True)])
        for variant in FUNCTIONS if variant != "hello"
    }
    return result
