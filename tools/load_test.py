"""Load test against the local runtime: every answer checked against its own request.

Each good request carries rows no other request carries (data-set rows with a small,
request-specific shift), so an answer meant for another request cannot pass as right;
bad requests must come back with their documented error code. Reports lost, wrong and
mixed-up answers (all must be 0), throughput and latency percentiles.

    .venv/bin/python -m tools.load_test --invocations 5000 --concurrency 8
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from devkit.functions import FUNCTION_IDS
from devkit.paths import EVENTS_DIR, MODEL_DIR, TEMPLATE
from lambda_compare.progress import Progress
from lambda_compare.stats import summarize
from local_lambda.launcher import local_runtime

FUNCTIONS = tuple(FUNCTION_IDS.values())
# What the project's environment (.venv) adds to the standard library here, the project's own
# install (the artifact contract) included; what needs them is imported where it is used.
NEEDS = {"numpy": "numpy", "xgboost": "xgboost", "boto3": "boto3",
         "artifact_contract": "the project's own modules"}


@dataclass
class Request:
    payload: bytes
    expected_code: str | None = None
    expected: list[float] = field(default_factory=list)


@dataclass
class Tally:
    ok: int = 0
    refused_as_expected: int = 0
    lost: int = 0
    wrong: int = 0
    mixed_up: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def build_requests(count: int, bad_fraction: float, seed: int = 7) -> list[Request]:
    import numpy as np
    import xgboost as xgb

    from artifact_contract import MODEL_FILE
    from devkit.model import parity_requests

    rng = random.Random(seed)
    rows = parity_requests()
    booster = xgb.Booster(model_file=str(MODEL_DIR / MODEL_FILE))
    bad_events = [(p.stem, p.read_bytes()) for p in sorted((EVENTS_DIR / "bad").glob("*.json"))
                  if "requestContext" not in p.read_text()]
    requests: list[Request] = []
    good_rows: list[list[list[float | None]]] = []
    for index in range(count):
        if rng.random() < bad_fraction:
            code, payload = rng.choice(bad_events)
            requests.append(Request(payload, expected_code=code))
            continue
        batch = []
        for _ in range(rng.randint(1, 3)):
            row = list(rng.choice(rows))
            row[0] = (row[0] or 0.0) + (index + 1) * 1e-3  # unique to this request
            batch.append(row)
        good_rows.append(batch)
        requests.append(Request(json.dumps({"instances": batch}).encode()))
    flat = np.array([row for batch in good_rows for row in batch])
    predicted = booster.inplace_predict(flat, validate_features=False).astype(float).tolist()
    cursor = 0
    for request in requests:
        if request.expected_code is None:
            size = len(json.loads(request.payload)["instances"])
            request.expected = predicted[cursor:cursor + size]
            cursor += size
    return requests


def check(request: Request, document: Any, tally: Tally,
          expected_by_answer: dict[tuple, int]) -> None:
    from artifact_contract import PROBABILITY, within_tolerance

    if request.expected_code is not None:
        if isinstance(document, dict) and document.get("error", {}).get("code") == \
                request.expected_code:
            tally.refused_as_expected += 1
        else:
            tally.wrong += 1
            tally.problems.append(f"expected {request.expected_code}, got {str(document)[:120]}")
        return
    predictions = document.get("predictions") if isinstance(document, dict) else None
    got = [p["probabilities"]["benign"] for p in predictions or []]
    if len(got) == len(request.expected) and all(
            within_tolerance(a, b, PROBABILITY)
            for a, b in zip(got, request.expected, strict=True)):
        tally.ok += 1
        return
    key = tuple(round(p, 6) for p in got)
    if key in expected_by_answer:
        tally.mixed_up += 1
        tally.problems.append("an answer that belongs to another request")
    else:
        tally.wrong += 1
        tally.problems.append(f"wrong answer: {str(document)[:120]}")


def run(client: Any, requests: list[Request], concurrency: int) -> tuple[Tally, float]:
    tally = Tally()
    progress = Progress(len(requests))
    expected_by_answer = {tuple(round(p, 6) for p in r.expected): i
                          for i, r in enumerate(requests) if r.expected}

    def one(item: tuple[int, Request]) -> None:
        index, request = item
        started = time.perf_counter()
        try:
            response = client.invoke(FunctionName=FUNCTIONS[index % 2], Payload=request.payload)
            document = json.loads(response["Payload"].read())
            if response.get("FunctionError"):
                raise RuntimeError(f"function error: {document}")
        except Exception as error:
            tally.lost += 1
            tally.problems.append(f"lost: {type(error).__name__}: {error}"[:200])
        else:
            tally.latencies_ms.append((time.perf_counter() - started) * 1000)
            check(request, document, tally, expected_by_answer)
        progress.advance(f"lost {tally.lost}, wrong {tally.wrong}, mixed up {tally.mixed_up}")

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, enumerate(requests)))
    finally:
        progress.close()
    return tally, time.perf_counter() - started


def report(tally: Tally, elapsed: float, invocations: int, concurrency: int) -> str:
    latency = summarize(tally.latencies_ms)
    lines = [
        f"invocations {invocations} at concurrency {concurrency} in {elapsed:.1f} s: "
        f"{invocations / elapsed:.0f} invocations/s",
        f"answered right {tally.ok}, refused with the right code {tally.refused_as_expected}, "
        f"lost {tally.lost}, wrong {tally.wrong}, mixed up {tally.mixed_up}",
    ]
    if latency:
        lines.append(f"client latency ms: p50 {latency.p50:.2f}  p90 {latency.p90:.2f}  "
                     f"p99 {latency.p99:.2f}  max {latency.max:.2f}")
    lines += [f"  {problem}" for problem in tally.problems[:10]]
    return "\n".join(lines)


def missing_environment() -> str | None:
    """One line when run outside the project's environment (e.g. by the system's python)."""
    missing = [what for name, what in NEEDS.items() if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return (f"error: {', '.join(missing)} not installed for {sys.executable}: run "
            f"`make venv`, then `.venv/bin/python -m tools.load_test` [missing_dependency]")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--invocations", type=int, default=5000,
                        help="requests to send, alternately to each function")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="requests in flight at once (and workers per function)")
    parser.add_argument("--bad-fraction", type=float, default=0.2,
                        help="share of requests that must be refused with their error code")
    args = parser.parse_args(argv)
    problem = missing_environment()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    print(f"building {args.invocations} requests and their expected answers (XGBoost)",
          file=sys.stderr, flush=True)
    requests = build_requests(args.invocations, args.bad_fraction)
    print("starting the local runtime (both functions)", file=sys.stderr, flush=True)
    with local_runtime(TEMPLATE, max_concurrency=args.concurrency) as runtime:
        tally, elapsed = run(runtime.client(max_attempts=1), requests, args.concurrency)
    print(report(tally, elapsed, args.invocations, args.concurrency))
    return 0 if tally.lost == tally.wrong == tally.mixed_up == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
