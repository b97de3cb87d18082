"""The command line, read once into a frozen `Options`: what every later step receives.

Paths into a checkout (`app/model`, `events/event.json`) are defaults relative to the working
directory, so the installed `lambda-compare` runs anywhere: from a checkout's root it finds
them; elsewhere --event, --batch-size with --model-dir, or --payloads say what to send.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from artifact_contract import MODEL_DIR_NAME

from .limits import DEFAULT_INVOKE_TIMEOUT_S, MAX_INVOKE_TIMEOUT_S
from .stats import DEFAULT_MIN_EFFECT

DEFAULT_MODEL_DIR = Path("app", MODEL_DIR_NAME)  # where `make model` writes, from a checkout's root
DEFAULT_EVENT = Path("events", "event.json")
DEFAULT_INVOCATIONS = 100


@dataclass(frozen=True)
class Options:
    # functions
    arm64: str | None
    x86_64: str | None
    stack_name: str | None
    region: str | None
    profile: str | None
    endpoint_url: str | None
    # payload
    event: Path | None
    batch_size: int | None
    payloads: Path | None
    shuffle: bool
    seed: int
    model_dir: Path
    # measurement
    invocations: int | None  # None: one pass over --payloads
    warmup: int
    concurrency: int
    cold_starts: int
    memories: tuple[int, ...] | None
    invoke_timeout: float
    strict: bool
    # from logs
    from_logs: bool
    since: str | None
    start: str | None
    end: str | None
    max_events: int
    log_group_arm64: str | None
    log_group_x86_64: str | None
    logs_endpoint_url: str | None
    # cost
    cold_start_rate: float | None
    monthly_invocations: float
    prices: Path | None
    min_effect: float
    # output
    json: Path | None
    csv: Path | None
    chart: Path | None
    debug: bool


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = build_parser()
    namespace = parser.parse_args(argv)
    problem = _conflict(namespace)
    if problem:
        parser.error(problem)
    try:
        memories = tuple(int(m) for m in namespace.memory.split(",")) \
            if namespace.memory else None
    except ValueError:
        parser.error("--memory takes comma-separated integers, e.g. 512,1024")
    values = vars(namespace)
    values["memories"] = memories
    if values["invocations"] is None and not values["payloads"]:
        values["invocations"] = DEFAULT_INVOCATIONS
    return Options(**{f.name: values[f.name] for f in fields(Options)})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=Path(sys.argv[0]).name,  # invoke_x86_64_arm64_lambdas.py or lambda-compare
        description="Invoke the arm64 and x86_64 functions and compare speed (from Lambda's "
                    "REPORT lines) and cost (per 1M invocations and predictions).")
    _function_options(parser.add_argument_group("functions"))
    _payload_options(parser.add_argument_group("payload"))
    _measurement_options(parser.add_argument_group("measurement"))
    _log_options(parser.add_argument_group(
        "from logs", "no invocation: compare the functions' own traffic from the REPORT lines "
        "in their CloudWatch Logs (needs only logs:FilterLogEvents)"))
    _cost_options(parser.add_argument_group("cost"))
    _output_options(parser.add_argument_group("output"))
    return parser


Group = argparse._ArgumentGroup


def _function_options(where: Group) -> None:
    where.add_argument("--arm64", help="arm64 function name or ARN (env ARM64_FUNCTION)")
    where.add_argument("--x86-64", dest="x86_64",
                       help="x86_64 function name or ARN (env X86_64_FUNCTION)")
    where.add_argument("--stack-name", help="read both functions from this stack's Outputs")
    where.add_argument("--region", help="AWS region (default: your profile's)")
    where.add_argument("--profile", help="AWS profile")
    where.add_argument("--endpoint-url",
                       help="a local Lambda endpoint, e.g. http://127.0.0.1:3001")


def _payload_options(what: Group) -> None:
    what.add_argument("--event", type=Path,
                      help=f"event file to send (default {DEFAULT_EVENT} for the demo model; "
                           "for an imported model, one of its parity rows: --batch-size 1)")
    what.add_argument("--batch-size", type=int,
                      help="send batches of N data-set rows instead of --event")
    what.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR,
                      help="the served model's artifacts, whose parity rows --batch-size sends "
                           f"(default {DEFAULT_MODEL_DIR}, from a checkout's root)")
    what.add_argument("--payloads", type=Path, metavar="FILE|DIR",
                      help="replay your own requests: JSON Lines (one direct-invoke payload or "
                           "Function URL / API Gateway event per line) or a directory of "
                           "*.json; both functions get the same requests in the same order "
                           "(-n defaults to one pass over them)")
    what.add_argument("--shuffle", action="store_true",
                      help="send the --payloads mix in one shuffled order (--seed)")
    what.add_argument("--seed", type=int, default=1, help="seed of --shuffle (default 1)")


def _measurement_options(how: Group) -> None:
    how.add_argument("-n", "--invocations", type=int,
                     help=f"warm samples per function and memory size (default "
                          f"{DEFAULT_INVOCATIONS}, or one pass over --payloads); a natural "
                          "cold start does not count as one")
    how.add_argument("--warmup", type=int, default=5,
                     help="warm-up invocations, excluded from statistics (default 5)")
    how.add_argument("--concurrency", type=int, default=1,
                     help="parallel invocations (default 1)")
    how.add_argument("--cold-starts", type=int, default=0,
                     help="force K cold starts per function and memory size by changing a "
                          "harmless environment variable (restored afterwards; default 0)")
    how.add_argument("--memory", help="comma-separated memory sizes to sweep, e.g. 512,1024")
    how.add_argument("--invoke-timeout", type=float, default=DEFAULT_INVOKE_TIMEOUT_S,
                     metavar="SECONDS",
                     help="wall-clock limit for one invocation, answer included (default "
                          f"{DEFAULT_INVOKE_TIMEOUT_S:g}); a slower one counts as a timeout")
    how.add_argument("--strict", action="store_true",
                     help="refuse to measure when the functions differ beyond architecture")


def _log_options(logs: Group) -> None:
    logs.add_argument("--from-logs", action="store_true",
                      help="read both functions' REPORT lines over a window instead of invoking")
    logs.add_argument("--since", help="the window: the last 24h, 90m, 7d ... (default 24h)")
    logs.add_argument("--start", help="window start, ISO 8601 (e.g. 2026-12-01T08:00:00Z)")
    logs.add_argument("--end", help="window end, ISO 8601 (default now)")
    logs.add_argument("--max-events", type=int, default=100_000,
                      help="log events read per function at most (default 100000)")
    logs.add_argument("--log-group-arm64", help="the arm64 function's log group (default: its "
                      "LoggingConfig, else /aws/lambda/NAME)")
    logs.add_argument("--log-group-x86-64", dest="log_group_x86_64",
                      help="the x86_64 function's log group (likewise)")
    logs.add_argument("--logs-endpoint-url", help="CloudWatch Logs endpoint (default: "
                      "AWS_ENDPOINT_URL_LOGS or AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, else "
                      "--endpoint-url, else AWS)")


def _cost_options(cost: Group) -> None:
    cost.add_argument("--cold-start-rate", type=float,
                      help="fraction of invocations that are cold (default: as observed)")
    cost.add_argument("--monthly-invocations", type=float, default=1e6,
                      help="monthly volume for the tiered GB-second price (default 1e6)")
    cost.add_argument("--prices", type=Path, help="price table JSON (same shape as the built-in)")
    cost.add_argument("--min-effect", type=float, default=DEFAULT_MIN_EFFECT,
                      help="smallest difference that counts as a verdict, as a fraction "
                           f"(default {DEFAULT_MIN_EFFECT}: 5%%); smaller or not significant "
                           "differences are reported as no meaningful difference")


def _output_options(out: Group) -> None:
    out.add_argument("--json", type=Path, help="write every sample and the summary as JSON")
    out.add_argument("--csv", type=Path,
                     help="write every sample as CSV (the summary goes beside it, *-summary.csv)")
    out.add_argument("--chart", type=Path, help="write a PNG chart")
    out.add_argument("--debug", action="store_true",
                     help="show the full traceback of an error instead of one line")


def _conflict(args: argparse.Namespace) -> str | None:
    """The first combination or value the options refuse, as argparse's error line."""
    checks = [
        (args.payloads and (args.event or args.batch_size),
         "--payloads replaces --event and --batch-size: pass one of them"),
        (args.from_logs and (args.payloads or args.event or args.batch_size or args.memory
                             or args.cold_starts or args.strict),
         "--from-logs invokes nothing: --payloads, --event, --batch-size, --memory, "
         "--cold-starts and --strict do not apply"),
        (not args.from_logs and (args.since or args.start or args.end),
         "--since, --start and --end choose the window of --from-logs"),
        (args.max_events < 1, "--max-events must be >= 1"),
        (args.shuffle and not args.payloads, "--shuffle reorders --payloads: pass --payloads too"),
        ((args.invocations or 1) < 1 or args.concurrency < 1 or args.warmup < 0
         or args.cold_starts < 0,
         "--invocations and --concurrency must be >= 1; --warmup, --cold-starts >= 0"),
        (args.batch_size is not None and not 1 <= args.batch_size <= 10_000,
         "--batch-size must be from 1 to 10000"),
        (args.cold_start_rate is not None and not 0 <= args.cold_start_rate <= 1,
         "--cold-start-rate must be from 0 to 1"),
        (not 0 < args.invoke_timeout <= MAX_INVOKE_TIMEOUT_S,
         f"--invoke-timeout is seconds, above 0 and at most {MAX_INVOKE_TIMEOUT_S:g}"),
        (not 0 <= args.min_effect < 1,
         "--min-effect is a fraction from 0 to below 1, e.g. 0.05"),
    ]
    return next((message for refused, message in checks if refused), None)
