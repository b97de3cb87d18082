"""Design study: runtime_loop.py against awslambdaric, both driven by the emulator (RIE).

Four execution environments per round, interleaved: the hello-world handler and the compiled
engine's `app.lambda_handler`, each under `python -S -m awslambdaric` and under
`python -S runtime_loop.py`, with the same task roots the local runtime uses. Per round and
environment: the INIT the emulator reports, the first answer (client-timed from the first
invoke, which starts the runtime), then warm single rows and direct-invoke batches of 10,000
full-precision rows, client-timed round trips through the emulator on loopback. Medians and
min–max over rounds; ratios awslambdaric / runtime_loop. Local and emulated: not Lambda's own
figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench.payloads import direct_payload, full_precision
from devkit.answers import error_answer
from devkit.model import parity_requests
from devkit.paths import ROOT
from devkit.ports import free_port
from local_lambda.emulator_log import INIT_REPORT
from local_lambda.functions import load_functions
from local_lambda.image import LocalImage, build_image, image_name
from local_lambda.worker import rie_binary

BENCH = Path(__file__).resolve().parent

RUNTIMES = ("awslambdaric", "loop/http.client", "loop/socket")
INVOKE_PATH = "/2015-03-31/functions/function/invocations"


class Emulator:
    """One RIE process and the runtime it starts on the first invoke."""

    def __init__(self, image: LocalImage, runtime: str, handler: str) -> None:
        self._port, api = free_port(), free_port()
        if runtime == "awslambdaric":
            command = [*image.python, "-S", "-m", "awslambdaric", handler]
            path = f"{image.task_root}:{image.runtime_dir}"
        else:
            command = [*image.python, "-S", str(BENCH / "runtime_loop.py"), handler]
            path = str(image.task_root)
        transport = runtime.rpartition("/")[2]
        env = {"PATH": "/usr/bin:/bin", "LAMBDA_TASK_ROOT": str(image.task_root),
               "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1", "_HANDLER": handler,
               "AWS_LAMBDA_FUNCTION_NAME": "study", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
               "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_REGION": "us-east-1",
               "AWS_EXECUTION_ENV": "AWS_Lambda_Image", "INFERENCE_ENGINE": "compiled",
               "RUNTIME_LOOP_TRANSPORT": transport}
        self._process = subprocess.Popen(
            [str(rie_binary()), "--log-level", "info", "--runtime-interface-emulator-address",
             f"127.0.0.1:{self._port}", "--runtime-api-address", f"127.0.0.1:{api}", *command],
            cwd=image.task_root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._wait_listening()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for raw in self._process.stdout:
            self._lines.put(raw.decode("utf-8", "replace"))

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", self._port, timeout=0.2).connect()
                return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("the emulator did not listen")

    def invoke(self, payload: bytes) -> tuple[float, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=60)
        started = time.perf_counter()
        connection.request("POST", INVOKE_PATH, body=payload)
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        connection.close()
        if response.status != 200 or b"errorType" in body[:200] or error_answer(body):
            raise RuntimeError(f"invoke failed: {response.status} {body[:300]!r}")
        return elapsed, body

    def init_ms(self) -> float:
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.1)
            except queue.Empty:
                continue
            match = INIT_REPORT.search(line)
            if match:
                return float(match.group(1))
        return float("nan")

    def stop(self) -> None:
        self._process.kill()
        self._process.wait()


def images() -> dict[str, LocalImage]:
    specs = load_functions(ROOT / "bench" / "template.yaml")
    result = {}
    for name, function in (("hello", "HelloWorldFunction"), ("app", "CompiledEngineFunction")):
        spec = specs[function]
        result[name] = build_image(spec.dockerfile, spec.build_args,
                                   image_name(spec.build_args, spec.docker_context),
                                   context=spec.docker_context,
                                   log=lambda text: print(f"[study] {text}", file=sys.stderr))
    return result


def study(rounds: int, batch_calls: int) -> dict[str, dict[str, list[float]]]:
    built = images()
    rows = parity_requests()
    batch = direct_payload(full_precision(rows, 10_000))
    single = json.dumps({"features": rows[0]}).encode()  # the served model's first parity row
    samples: dict[str, dict[str, list[float]]] = {}
    for _ in range(rounds):
        for runtime in RUNTIMES:
            for name, handler in (("hello", "hello_handler.lambda_handler"),
                                  ("app", "app.lambda_handler")):
                emulator = Emulator(built[name], runtime, handler)
                try:
                    first, _ = emulator.invoke(single)
                    record = samples.setdefault(f"{name} {runtime}", {})
                    record.setdefault("init_ms", []).append(emulator.init_ms())
                    record.setdefault("first_answer_ms", []).append(first * 1000)
                    if name == "app":
                        warm = [emulator.invoke(single)[0] for _ in range(30)]
                        record.setdefault("warm_single_ms", []).append(
                            statistics.median(warm) * 1000)
                        emulator.invoke(batch)
                        times = []
                        for _ in range(batch_calls):
                            elapsed, body = emulator.invoke(batch)
                            times.append(elapsed)
                        assert len(json.loads(body)["predictions"]) == 10_000
                        record.setdefault("batch_ms", []).append(statistics.median(times) * 1000)
                finally:
                    emulator.stop()
    return samples


def table(samples: dict[str, dict[str, list[float]]]) -> str:
    def median(key: str, metric: str) -> float:
        return statistics.median(samples[key][metric])

    def spread(key: str, metric: str) -> str:
        values = samples[key][metric]
        return f"{min(values):.1f}–{max(values):.1f}"

    lines = ["local RIE, client-timed; medians (min–max over rounds); "
             "ratio = awslambdaric / loop",
             f"{'':<38}" + "".join(f"{r:>24}" for r in RUNTIMES) + f"{'ratios':>16}"]
    rows = [("hello-world INIT (ms)", "hello", "init_ms"),
            ("app INIT (ms)", "app", "init_ms"),
            ("app first answer (ms)", "app", "first_answer_ms"),
            ("app warm single row, round trip (ms)", "app", "warm_single_ms"),
            ("app direct 10k full-precision (ms)", "app", "batch_ms")]
    for label, name, metric in rows:
        values = [median(f"{name} {r}", metric) for r in RUNTIMES]
        cells = "".join(f"{v:>10.1f} ({spread(f'{name} {r}', metric):>11})"
                        for v, r in zip(values, RUNTIMES, strict=True))
        ratios = " ".join(f"{values[0] / v:.2f}×" for v in values[1:])
        lines.append(f"{label:<38}{cells}{ratios:>16}")
    for runtime in RUNTIMES:
        over = [x - y for x, y in zip(samples[f"app {runtime}"]["init_ms"],
                                      samples[f"hello {runtime}"]["init_ms"], strict=True)]
        rate = 10_000 / (median(f"app {runtime}", "batch_ms") / 1000)
        lines.append(f"{runtime}: app INIT over its own hello floor, paired: median "
                     f"{statistics.median(over):.1f} ms ({min(over):.1f}–{max(over):.1f}); "
                     f"direct 10k full-precision {rate / 1e6:.2f} M rows/s (round trip)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9,
                        help="interleaved rounds of every runtime (default: %(default)s)")
    parser.add_argument("--batch-calls", type=int, default=5,
                        help="10k-row direct invokes per round (default: %(default)s)")
    args = parser.parse_args(argv)
    print(table(study(args.rounds, args.batch_calls)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
