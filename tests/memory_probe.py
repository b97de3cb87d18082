"""Child process for test_memory_bounds: one request shape of up to 6 MB through lambda_handler.

Prints the process's peak RSS in MB and the answer's status and code, as JSON. The event
is built, serialised and parsed again here as the runtime would (the raw invoke bytes are
kept alive during the call, as the runtime keeps them), so the peak counts every copy.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from local_lambda.inprocess import load_handler_module

ROOT = Path(__file__).resolve().parent.parent

LIMIT = 6 * 1024 * 1024
ROW = "[" + ",".join(["0.123456789012345"] * 30) + "]"


def fill(head: str, unit: str, tail: str) -> str:
    return head + ",".join([unit] * ((LIMIT - len(head) - len(tail)) // (len(unit) + 1))) + tail


def joined(head: str, units: Callable[[int], str], count: int, tail: str) -> str:
    return head + ",".join(units(i) for i in range(count)) + tail


SHAPES: dict[str, Callable[[], str]] = {
    "objects": lambda: fill("[", '{"":{}}', "]"),
    "lists": lambda: fill("[", "[]", "]"),
    "deep": lambda: "[" * (LIMIT // 2) + "]" * (LIMIT // 2),
    "floats": lambda: fill("[", "0.5", "]"),
    # The most objects that pass the structural limits, each as costly as can be:
    "keys": lambda: joined("{", '"{:014d}":1'.format, 309_000, "}"),
    "astral_strings": lambda: joined("[", '"\U0001F600{:015d}"'.format, 280_000, "]"),
    "escaped_key": lambda: '{"features":[1],"' + "\\\\" * (LIMIT // 2 - 20) + '":1}',
    "batch": lambda: fill('{"instances":[', ROW, "]}"),
}


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM): unlike ru_maxrss, it does not count the parent's
    memory inherited through fork before exec."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def main(argv: Sequence[str]) -> int:
    shape, engine = argv[0], argv[1] if len(argv) > 1 else "compiled"
    env = {"INFERENCE_ENGINE": engine, "MODEL_DIR": str(ROOT / "app" / "model"),
           "MODEL_LIBRARY": str(ROOT / "app/native/build" / platform.machine() / "libmodel.so")}
    app = load_handler_module(ROOT / "app" / "app.py", env, "memory_probe_app")
    init_mb = peak_rss_mb()
    body = SHAPES[shape]()
    body_bytes = len(body.encode("utf-8"))
    assert body_bytes <= LIMIT, body_bytes
    raw = json.dumps({"requestContext": {"http": {"method": "POST"}}, "body": body,
                      "isBase64Encoded": False}, ensure_ascii=False).encode()
    del body
    event = json.loads(raw)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the request log line, for good
    response = app.lambda_handler(event, None)
    document = json.loads(response["body"])
    peak_mb = peak_rss_mb()
    print(json.dumps({"shape": shape, "engine": engine, "init_mb": round(init_mb, 1),
                      "peak_mb": round(peak_mb, 1), "status": response["statusCode"],
                      "code": document.get("error", {}).get("code"), "body_bytes": body_bytes}),
          file=sys.__stdout__)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
