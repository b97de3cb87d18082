"""Command line: which functions, what to send, how to measure, where to write."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .batch_buckets import bucket_figures, bucket_lines
from .bounded import BoundedCalls
from .connections import clients, logs_client
from .errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_NOT_MEASURED,
    EXIT_THROTTLED,
    EXIT_UNSUPPORTED,
    EXIT_USAGE,
    UserError,
    explain,
    is_loopback,
)
from .from_logs import analyse_logs
from .invoke import Invoker
from .limits import DEFAULT_INVOKE_TIMEOUT_S, MAX_INVOKE_TIMEOUT_S, clip
from .payloads import load_requests, mix_description, replay_order
from .pricing import Prices
from .provenance import Provenance, collect
from .report import console_report, results_document, write_csv, write_json
from .runner import Plan, measure
from .samples import OUTCOMES, Sample, batch_payload, dataset_rows
from .stats import DEFAULT_MIN_EFFECT
from .summary import Group, check_consistency, summarize_groups
from .targets import Target, TargetError, resolve_targets
from .verdicts import compare_architectures, recommend

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_lambda import LambdaClient

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVENT = ROOT / "events" / "event.json"
PARITY_FILE = ROOT / "app" / "model" / "parity.csv"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=Path(sys.argv[0]).name,  # invoke_x86_64_arm64_lambdas.py or lambda-compare
        description="Invoke the arm64 and x86_64 functions and compare speed (from Lambda's "
                    "REPORT lines) and cost (per 1M invocations and predictions).")
    where = parser.add_argument_group("functions")
    where.add_argument("--arm64", help="arm64 function name or ARN (env ARM64_FUNCTION)")
    where.add_argument("--x86-64", dest="x86_64",
                       help="x86_64 function name or ARN (env X86_64_FUNCTION)")
    where.add_argument("--stack-name", help="read both functions from this stack's Outputs")
    where.add_argument("--region", help="AWS region (default: your profile's)")
    where.add_argument("--profile", help="AWS profile")
    where.add_argument("--endpoint-url",
                       help="a local Lambda endpoint, e.g. http://127.0.0.1:3001")
    what = parser.add_argument_group("payload")
    what.add_argument("--event", type=Path,
                      help="event file to send (default events/event.json for the demo model; "
                           "for an imported model, one of its parity rows: --batch-size 1)")
    what.add_argument("--batch-size", type=int,
                      help="send batches of N data-set rows instead of --event")
    what.add_argument("--payloads", type=Path, metavar="FILE|DIR",
                      help="replay your own requests: JSON Lines (one direct-invoke payload or "
                           "Function URL / API Gateway event per line) or a directory of "
                           "*.json; both functions get the same requests in the same order "
                           "(-n defaults to one pass over them)")
    what.add_argument("--shuffle", action="store_true",
                      help="send the --payloads mix in one shuffled order (--seed)")
    what.add_argument("--seed", type=int, default=1, help="seed of --shuffle (default 1)")
    how = parser.add_argument_group("measurement")
    how.add_argument("-n", "--invocations", type=int,
                     help="warm samples per function and memory size (default 100, or one "
                          "pass over --payloads); a natural cold start does not count as one")
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
    logs = parser.add_argument_group(
        "from logs", "no invocation: compare the functions' own traffic from the REPORT lines "
        "in their CloudWatch Logs (needs only logs:FilterLogEvents)")
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
    cost = parser.add_argument_group("cost")
    cost.add_argument("--cold-start-rate", type=float,
                      help="fraction of invocations that are cold (default: as observed)")
    cost.add_argument("--monthly-invocations", type=float, default=1e6,
                      help="monthly volume for the tiered GB-second price (default 1e6)")
    cost.add_argument("--prices", type=Path, help="price table JSON (same shape as the built-in)")
    cost.add_argument("--min-effect", type=float, default=DEFAULT_MIN_EFFECT,
                      help="smallest difference that counts as a verdict, as a fraction "
                           f"(default {DEFAULT_MIN_EFFECT}: 5%%); smaller or not significant "
                           "differences are reported as no meaningful difference")
    out = parser.add_argument_group("output")
    out.add_argument("--json", type=Path, help="write every sample and the summary as JSON")
    out.add_argument("--csv", type=Path,
                     help="write every sample as CSV (the summary goes beside it, *-summary.csv)")
    out.add_argument("--chart", type=Path, help="write a PNG chart")
    out.add_argument("--debug", action="store_true",
                     help="show the full traceback of an error instead of one line")
    args = parser.parse_args(argv)
    if args.payloads and (args.event or args.batch_size):
        parser.error("--payloads replaces --event and --batch-size: pass one of them")
    if args.from_logs and (args.payloads or args.event or args.batch_size or args.memory
                           or args.cold_starts or args.strict):
        parser.error("--from-logs invokes nothing: --payloads, --event, --batch-size, "
                     "--memory, --cold-starts and --strict do not apply")
    if not args.from_logs and (args.since or args.start or args.end):
        parser.error("--since, --start and --end choose the window of --from-logs")
    if args.max_events < 1:
        parser.error("--max-events must be >= 1")
    if args.shuffle and not args.payloads:
        parser.error("--shuffle reorders --payloads: pass --payloads too")
    if args.invocations is None and not args.payloads:
        args.invocations = 100
    if ((args.invocations or 1) < 1 or args.concurrency < 1 or args.warmup < 0
            or args.cold_starts < 0):
        parser.error("--invocations and --concurrency must be >= 1; --warmup, --cold-starts >= 0")
    if args.batch_size is not None and not 1 <= args.batch_size <= 10_000:
        parser.error("--batch-size must be from 1 to 10000")
    if args.cold_start_rate is not None and not 0 <= args.cold_start_rate <= 1:
        parser.error("--cold-start-rate must be from 0 to 1")
    if not 0 < args.invoke_timeout <= MAX_INVOKE_TIMEOUT_S:
        parser.error(f"--invoke-timeout is seconds, above 0 and at most {MAX_INVOKE_TIMEOUT_S:g}")
    if not 0 <= args.min_effect < 1:
        parser.error("--min-effect is a fraction from 0 to below 1, e.g. 0.05")
    try:
        args.memories = tuple(int(m) for m in args.memory.split(",")) if args.memory else None
    except ValueError:
        parser.error("--memory takes comma-separated integers, e.g. 512,1024")
    return args


def serves_imported_model() -> bool:
    """Whether app/model/ holds an imported model, for which the demo's event means nothing."""
    metadata = PARITY_FILE.with_name("metadata.json")
    return metadata.is_file() and "imported_from" in json.loads(metadata.read_text("utf-8"))


def build_payload(args: argparse.Namespace) -> tuple[bytes, int]:
    if args.event is None and not args.batch_size:
        if serves_imported_model():
            args.batch_size = 1
        else:
            args.event = DEFAULT_EVENT
    if args.batch_size:
        try:
            parity_rows = dataset_rows(PARITY_FILE)
        except FileNotFoundError:
            raise UserError("no_model", f"--batch-size reads {PARITY_FILE.name}, which `make "
                            "model` writes: run it first, or pass --event", EXIT_USAGE) from None
        return batch_payload(parity_rows, args.batch_size), args.batch_size
    try:
        payload = args.event.read_bytes()
        document = json.loads(payload)
    except (OSError, ValueError) as error:
        raise UserError("bad_event", f"--event {args.event}: {error}", EXIT_USAGE) from None
    rows = len(document["instances"]) if isinstance(document, dict) and isinstance(
        document.get("instances"), list) else 1
    return payload, rows


def main(argv: list[str] | None = None, lambda_client: LambdaClient | None = None,
         cloudformation: CloudFormationClient | None = None, logs: Any = None) -> int:
    args = parse_args(argv)
    try:
        if args.from_logs:
            return run_from_logs(args, lambda_client, cloudformation, logs)
        return run(args, lambda_client, cloudformation)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("interrupted before measuring: no function was changed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        user_error = explain(error, args.endpoint_url) or UserError(
            "internal_error", f"unexpected {type(error).__name__}: {clip(str(error))} (a bug: "
            "--debug shows the traceback)", EXIT_INTERNAL)
        if args.debug:
            raise
        print(user_error.line(), file=sys.stderr)
        return user_error.exit_status


def run(args: argparse.Namespace, lambda_client: LambdaClient | None,
        cloudformation: CloudFormationClient | None) -> int:
    # Which functions, before any AWS set-up is needed (a stack's outputs need it).
    targets = None if args.stack_name else choose_targets(args, None)
    # A replayed mix is read and checked whole before anything is sent.
    requests = replay_order(load_requests(args.payloads), args.shuffle, args.seed) \
        if args.payloads else []
    if lambda_client is None:
        lambda_client, cloudformation = clients(args)
    targets = targets or choose_targets(args, cloudformation)
    payload, rows = (requests[0].body, requests[0].rows) if requests else build_payload(args)

    calls = BoundedCalls(args.invoke_timeout)
    calls.install(lambda_client)
    provenance = collect(lambda_client, targets, swept_memory=bool(args.memories),
                         local_endpoint=is_loopback(args.endpoint_url), calls=calls)
    if args.strict and provenance.warnings:
        for warning in provenance.warnings:
            print(f"WARNING: {warning}", file=sys.stderr)
        print("error: --strict: the functions differ beyond architecture (see warnings)",
              file=sys.stderr)
        return EXIT_USAGE
    if not provenance.configuration_api and (args.cold_starts or args.memories):
        raise UserError("unsupported", f"--cold-starts and --memory change the functions' "
                        f"configuration, which {args.endpoint_url or 'this endpoint'} cannot do "
                        "(no UpdateFunctionConfiguration, as `sam local start-lambda`): run "
                        "without them", EXIT_UNSUPPORTED)

    invoker = Invoker(lambda_client, payload, rows, calls, debug=args.debug)
    invocations = args.invocations or len(requests)
    plan = Plan(invocations, args.warmup, args.concurrency, args.cold_starts, args.memories,
                tuple(requests))
    configured = {a: int(f.get("memory_mb") or 0) for a, f in provenance.functions.items()}
    measurement = measure(lambda_client, targets, invoker, plan, configured_memory=configured)

    prices = Prices.load(lambda_client.meta.region_name, args.prices)
    groups = summarize_groups(measurement.samples, prices, args.cold_start_rate,
                              args.monthly_invocations)
    notes = report_notes(provenance, groups)
    notes += timeout_notes(provenance, args.invoke_timeout)
    if invoker.tail_refused:
        notes.append("client-side timing cannot tell a cold start from a warm invocation (no "
                     "REPORT line): a cold start, if any, is among the warm samples")
    document = results_document(
        settings={"targets": [t.__dict__ for t in targets], "rows_per_invocation":
                  sum(r.rows for r in requests) / len(requests) if requests else rows,
                  "invocations": invocations, "warmup": args.warmup,
                  "concurrency": args.concurrency, "cold_starts": args.cold_starts,
                  "memory": list(args.memories or []), "endpoint_url": args.endpoint_url,
                  "event": None if args.batch_size or requests else str(args.event),
                  "payloads": str(args.payloads) if requests else None,
                  "mix": mix_description(requests) if requests else None,
                  "shuffle": args.shuffle, "seed": args.seed if args.shuffle else None,
                  "invoke_timeout_s": args.invoke_timeout,
                  "cold_start_rate": args.cold_start_rate, "min_effect": args.min_effect,
                  "monthly_invocations": args.monthly_invocations},
        provenance=provenance.block(), groups=groups,
        comparison=compare_architectures(groups, args.min_effect, provenance.no_verdict),
        recommendation=recommend(groups, prices, args.monthly_invocations, args.min_effect,
                                 provenance.no_verdict),
        consistency=check_consistency(measurement.samples), samples=measurement.samples,
        prices=prices, timing_note=invoker.tail_refused, partial=measurement.interrupted,
        notes=notes)
    buckets = bucket_figures(groups, prices, args.monthly_invocations) if requests else []
    document["batch_buckets"] = [b.record() for b in buckets]
    print(console_report(document, groups))
    if buckets:
        print("\n".join(["", f"Replayed {document['settings']['mix']}; cost per 1M requests "
                          "of this mix is $/1M inv above", *bucket_lines(buckets)]))
    write_outputs(args, document, measurement.samples, groups)
    if measurement.interrupted:
        return EXIT_INTERRUPTED
    return unmeasured_status(targets, groups)


def run_from_logs(args: argparse.Namespace, lambda_client: LambdaClient | None,
                  cloudformation: CloudFormationClient | None, logs: Any) -> int:
    """No invocation: both functions' REPORT lines from CloudWatch Logs, compared."""
    notes: list[str] = []
    targets = None if args.stack_name else choose_targets(args, None)
    if lambda_client is None:
        try:
            lambda_client, cloudformation = clients(args)
        except UserError as error:  # GetFunctionConfiguration is optional: say so, go on
            if error.code != "endpoint_unreachable" or args.stack_name:
                raise
            notes.append(f"GetFunctionConfiguration skipped ({error.message})")
    targets = targets or choose_targets(args, cloudformation)
    logs = logs or logs_client(args)
    analysis = analyse_logs(args, lambda_client, logs, targets, logs.meta.region_name, notes)
    print(console_report(analysis.document, analysis.groups))
    print("\n".join(analysis.lines))
    write_outputs(args, analysis.document, analysis.samples, analysis.groups)
    for reading in analysis.readings:
        if not reading.samples:
            print(f"error: no REPORT line of {reading.source.target.function} in "
                  f"{reading.source.log_group} over the window [no_reports]", file=sys.stderr)
            return EXIT_NOT_MEASURED
    return unmeasured_status(targets, analysis.groups)


def choose_targets(args: argparse.Namespace,
                   cloudformation: CloudFormationClient | None) -> list[Target]:
    try:
        return resolve_targets(args.arm64, args.x86_64, args.stack_name, args.endpoint_url,
                               cloudformation)
    except TargetError as error:
        raise UserError("no_targets", str(error), EXIT_USAGE) from None


def report_notes(provenance: Provenance, groups: list[Group]) -> list[str]:
    """What a reader must know to read the figures right."""
    notes = []
    if provenance.local and len({g.memory_mb for g in groups}) > 1:
        notes.append("memory does not scale CPU on a local runtime (on Lambda, CPU share grows "
                     "with memory): differences between memory sizes here are noise, not what "
                     "Lambda would do; measure memory on AWS")
    if any(not g.memory_mb for g in groups):
        notes.append("memory size unknown (the endpoint has no GetFunction and no REPORT "
                     "lines): no cost is computed")
    elif provenance.local:
        notes.append("local runtime: durations are this machine's, and cost applies Lambda's "
                     "prices to them; it shows the arithmetic, not what AWS would bill")
    return notes


def timeout_notes(provenance: Provenance, invoke_timeout: float) -> list[str]:
    """A function allowed to run longer than the tool waits would be cut short: say so."""
    return [f"{arch}: its Timeout of {info['timeout_s']} s plus INIT can exceed --invoke-timeout "
            f"{invoke_timeout:g} s: slower invocations count as timeouts; raise it to measure them"
            for arch, info in provenance.functions.items()
            if isinstance(info.get("timeout_s"), (int, float))
            and info["timeout_s"] + 10 > invoke_timeout]


def write_outputs(args: argparse.Namespace, document: dict[str, Any], samples: list[Sample],
                  groups: list[Group]) -> None:
    if args.json:
        write_json(args.json, document)
        print(f"wrote {args.json}")
    if args.csv:
        summary_path = write_csv(args.csv, samples, groups)
        print(f"wrote {args.csv} and {summary_path}")
    if args.chart:
        from .chart import write_chart

        write_chart(args.chart, groups, document)
        print(f"wrote {args.chart}")


def unmeasured_status(targets: list[Target], groups: list[Group]) -> int:
    """0 when both were measured; otherwise one line naming what failed, and its exit code."""
    for target in targets:
        mine = [g for g in groups if g.architecture == target.architecture]
        if any(g.measured for g in mine):
            continue
        counts = {k: sum(g.counts.get(k, 0) for g in mine) for k in OUTCOMES}
        errors = [e for g in mine for e in g.errors]
        if counts["throttled"] and counts["throttled"] == sum(counts.values()):
            print(f"error: {target.function} was throttled on every invocation beyond "
                  "botocore's retries: lower --concurrency, or raise the function's or "
                  "account's concurrency [throttled]", file=sys.stderr)
            return EXIT_THROTTLED
        print(f"error: could not measure {target.architecture} ({target.function}): "
              f"{errors[0] if errors else 'no successful invocation'} [not_measured]",
              file=sys.stderr)
        return EXIT_NOT_MEASURED
    return 0
