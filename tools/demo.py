"""`make demo`: both functions on the local runtime, compared by invoke_x86_64_arm64_lambdas.py.

Starts the local runtime (Docker-free), sends the original sample's event the way
`sam local invoke` would (for an imported model: two rows of --sample, else two of its
parity rows, by position, with missing values as null, saying whether they are data or
synthetic), runs the comparison with cold starts, writes results/, and stops the runtime
cleanly whatever happens (error or Ctrl-C included).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from lambda_compare.cli import main as compare
from lambda_compare.cli import serves_imported_model
from lambda_compare.errors import EXIT_INTERRUPTED, EXIT_UNAVAILABLE, EXIT_USAGE
from lambda_compare.parity_rows import read_parity_rows
from lambda_compare.targets import ARM64, FUNCTION_IDS
from local_lambda.launcher import LocalRuntime, local_runtime
from tools.invoke import answering, print_invocation

ROOT = Path(__file__).resolve().parent.parent

RESULTS = ROOT / "results"
MODEL_DIR = ROOT / "app" / "model"


def port_to_use() -> int | None:
    wanted = int(os.environ.get("PORT", "3001"))
    return None if answering(wanted) else wanted


SYNTHETIC = ("synthetic rows (not data): generated from the model's split thresholds to "
             "exercise its trees; `make demo SAMPLE=rows.csv` sends rows of yours")


class SampleUnreadable(ValueError):
    """--sample cannot be read as rows of the served model's features."""


def sample_rows(sample: Path, feature_names: list[str]) -> list[list[float | None]]:
    """The first two rows of a CSV, as the importer reads SAMPLE (missing values: None)."""
    sys.path.insert(0, str(ROOT / "train-code"))
    from parity_file import SampleError, read_sample

    try:
        rows = read_sample(sample, feature_names)[:2].tolist()
    except SampleError as error:
        raise SampleUnreadable(str(error)) from None
    return [[None if value != value else value for value in row] for row in rows]


def imported_rows(sample: Path | None) -> tuple[list[list[float | None]], str]:
    """Two rows for an imported model, and what they are."""
    metadata = json.loads((MODEL_DIR / "metadata.json").read_text(encoding="utf-8"))
    if sample is not None:
        return sample_rows(sample, metadata["feature_names"]), f"rows of {sample}"
    rows = read_parity_rows(MODEL_DIR / "parity.csv").rows[:2]
    if metadata.get("parity", {}).get("rows_from") == "sample":
        return rows, "rows of the SAMPLE given at import"
    return rows, SYNTHETIC


def sample_event(sample: Path | None = None) -> tuple[Path, str]:
    """The original sample's event for the demo model; for an imported one, two of its rows."""
    if not serves_imported_model():
        return ROOT / "events" / "event.json", "the demo's sample event"
    rows, what = imported_rows(sample)
    event = RESULTS / "sample-event.json"
    RESULTS.mkdir(exist_ok=True)
    event.write_text(json.dumps({"instances": rows}) + "\n", encoding="utf-8")
    return event, what


def show_sample_event(runtime: LocalRuntime, event: Path, what: str) -> None:
    print(f"== {event.relative_to(ROOT)} -> {FUNCTION_IDS[ARM64]} (local invoke; {what})")
    sys.stderr.flush()
    print_invocation(runtime.client(), FUNCTION_IDS[ARM64], event)
    sys.stderr.flush()
    print()


def main(argv: Sequence[str] = ()) -> int:
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
    sys.exit(main(sys.argv[1:]))
