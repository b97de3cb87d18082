"""`make demo`: both functions on the local runtime, compared by invoke_x86_64_arm64_lambdas.py.

Starts the local runtime (Docker-free), sends the original sample's event the way
`sam local invoke` would (for an imported model: two rows of `--sample`, else two of its
parity rows, said to be synthetic; by position, missing values as null), runs the comparison
with cold starts, writes results/, and stops the runtime cleanly whatever happens (error or
Ctrl-C included).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from devkit.model import SampleUnreadable, sample_event
from devkit.paths import RESULTS, ROOT
from lambda_compare.cli import main as compare
from lambda_compare.errors import EXIT_INTERRUPTED, EXIT_UNAVAILABLE, EXIT_USAGE
from lambda_compare.targets import ARM64, FUNCTION_IDS
from local_lambda.launcher import LocalRuntime, local_runtime
from tools.invoke import answering, print_invocation


def port_to_use() -> int | None:
    wanted = int(os.environ.get("PORT", "3001"))
    return None if answering(wanted) else wanted


def show_sample_event(runtime: LocalRuntime, event: Path, what: str) -> None:
    print(f"== {event.relative_to(ROOT)} -> {FUNCTION_IDS[ARM64]} (local invoke; {what})")
    sys.stderr.flush()
    print_invocation(runtime.client(), FUNCTION_IDS[ARM64], event)
    sys.stderr.flush()
    print()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=Path,
                        help="CSV of rows for an imported model's sample request, as the "
                             "import's SAMPLE (default: the model's parity rows)")
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    try:
        event, what = sample_event(args.sample)
    except SampleUnreadable as error:
        print(f"error: {error} [invalid_sample]", file=sys.stderr)
        return EXIT_USAGE
    with ExitStack() as stack:
        try:
            runtime = stack.enter_context(local_runtime(ROOT / "template.yaml",
                                                        port=port_to_use()))
        except (RuntimeError, TimeoutError, OSError) as error:
            last = str(error).strip().splitlines()[-1:] or ["no output"]
            print(f"error: the local Lambda runtime did not start ({last[0]}); `make "
                  "start-lambda` shows its whole log [local_runtime_unavailable]",
                  file=sys.stderr)
            return EXIT_UNAVAILABLE
        stack.callback(print, "== local runtime stopped")
        try:
            print(f"== local Lambda runtime at {runtime.endpoint_url}")
            show_sample_event(runtime, event, what)
            print("== invoke_x86_64_arm64_lambdas.py against the local runtime")
            return compare([
                "--endpoint-url", runtime.endpoint_url, "-n", "200", "--warmup", "5",
                "--cold-starts", "5", "--concurrency", "2",
                "--json", str(RESULTS / "demo.json"), "--csv", str(RESULTS / "demo.csv"),
                "--chart", str(RESULTS / "demo.png"),
            ])
        except KeyboardInterrupt:
            print("interrupted: the local runtime was stopped", file=sys.stderr)
            return EXIT_INTERRUPTED
    return EXIT_UNAVAILABLE


if __name__ == "__main__":
    raise SystemExit(main())
