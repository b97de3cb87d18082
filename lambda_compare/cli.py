"""Command line: which functions, what to send, how to measure, where to write."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .invoke import Invoker
from .pricing import Prices
from .provenance import collect
from .report import console_report, results_document, write_csv, write_json
from .runner import Plan, measure
from .samples import batch_payload, dataset_rows
from .summary import check_consistency, compare_architectures, recommend, summarize_groups
from .targets import TargetError, resolve_targets

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVENT = ROOT / "events" / "event.json"
PARITY_FILE = ROOT / "app" / "model" / "parity.csv"
EXIT_NOT_MEASURED, EXIT_STRICT, EXIT_INTERRUPTED = 1, 2, 130


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="invoke_x86_64_arm64_lambdas.py",
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
    what.add_argument("--event", type=Path, default=DEFAULT_EVENT,
                      help="event file to send (default events/event.json)")
    what.add_argument("--batch-size", type=int,
                      help="send batches of N data-set rows instead of --event")
    how = parser.add_argument_group("measurement")
    how.add_argument("-n", "--invocations", type=int, default=100,
                     help="warm invocations per function and memory size (default 100)")
    how.add_argument("--warmup", type=int, default=5,
                     help="warm-up invocations, excluded from statistics (default 5)")
    how.add_argument("--concurrency", type=int, default=1, help="parallel invocations")
    how.add_argument("--cold-starts", type=int, default=0,
                     help="force K cold starts per function and memory size by changing a "
                          "harmless environment variable (restored afterwards)")
    how.add_argument("--memory", help="comma-separated memory sizes to sweep, e.g. 512,1024")
    how.add_argument("--strict", action="store_true",
                     help="refuse to measure when the functions differ beyond architecture")
    cost = parser.add_argument_group("cost")
    cost.add_argument("--cold-start-rate", type=float,
                      help="fraction of invocations that are cold (default: as observed)")
    cost.add_argument("--monthly-invocations", type=float, default=1e6,
                      help="monthly volume for the tiered GB-second price (default 1e6)")
    cost.add_argument("--prices", type=Path, help="price table JSON (same shape as the built-in)")
    out = parser.add_argument_group("output")
    out.add_argument("--json", type=Path, help="write every sample and the summary as JSON")
    out.add_argument("--csv", type=Path,
                     help="write every sample as CSV (the summary goes beside it, *-summary.csv)")
    out.add_argument("--chart", type=Path, help="write a PNG chart")
    args = parser.parse_args(argv)
    if args.invocations < 1 or args.concurrency < 1 or args.warmup < 0 or args.cold_starts < 0:
        parser.error("--invocations and --concurrency must be >= 1; --warmup, --cold-starts >= 0")
    if args.batch_size is not None and not 1 <= args.batch_size <= 10_000:
        parser.error("--batch-size must be from 1 to 10000")
    if args.cold_start_rate is not None and not 0 <= args.cold_start_rate <= 1:
        parser.error("--cold-start-rate must be from 0 to 1")
    try:
        args.memories = tuple(int(m) for m in args.memory.split(",")) if args.memory else None
    except ValueError:
        parser.error("--memory takes comma-separated integers, e.g. 512,1024")
    return args


def build_payload(args: argparse.Namespace) -> tuple[bytes, int]:
    if args.batch_size:
        return batch_payload(dataset_rows(PARITY_FILE), args.batch_size), args.batch_size
    payload = args.event.read_bytes()
    document = json.loads(payload)
    rows = len(document["instances"]) if isinstance(document, dict) and isinstance(
        document.get("instances"), list) else 1
    return payload, rows


def clients(args: argparse.Namespace) -> tuple[Any, Any]:
    import boto3
    from botocore.config import Config

    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    region = session.region_name or ("us-east-1" if args.endpoint_url else None)
    config = Config(retries={"mode": "standard", "max_attempts": 5}, read_timeout=910,
                    max_pool_connections=max(10, args.concurrency * 2))
    extra: dict[str, Any] = {"region_name": region, "config": config}
    if args.endpoint_url:
        extra["endpoint_url"] = args.endpoint_url
        creds = session.get_credentials()
        if creds is None:  # a local endpoint checks no signature
            extra.update(aws_access_key_id="local", aws_secret_access_key="local")
    lambda_client = session.client("lambda", **extra)
    cloudformation = session.client("cloudformation", region_name=region, config=config)
    return lambda_client, cloudformation


def main(argv: list[str] | None = None, lambda_client: Any = None,
         cloudformation: Any = None) -> int:
    args = parse_args(argv)
    if lambda_client is None:
        lambda_client, cloudformation = clients(args)
    try:
        targets = resolve_targets(args.arm64, args.x86_64, args.stack_name, args.endpoint_url,
                                  cloudformation)
    except TargetError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_NOT_MEASURED
    payload, rows = build_payload(args)

    provenance = collect(lambda_client, targets, swept_memory=bool(args.memories))
    for notice in provenance.notices:
        print(f"NOTE: {notice}", file=sys.stderr)
    for warning in provenance.warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    if args.strict and provenance.warnings:
        print("error: --strict: the functions differ beyond architecture (see warnings)",
              file=sys.stderr)
        return EXIT_STRICT

    invoker = Invoker(lambda_client, payload, rows)
    plan = Plan(args.invocations, args.warmup, args.concurrency, args.cold_starts, args.memories)
    measurement = measure(lambda_client, targets, invoker, plan)
    if invoker.tail_refused:
        print(f"NOTE: {invoker.tail_refused}", file=sys.stderr)

    prices = Prices.load(lambda_client.meta.region_name, args.prices)
    groups = summarize_groups(measurement.samples, prices, args.cold_start_rate,
                              args.monthly_invocations)
    document = results_document(
        settings={"targets": [t.__dict__ for t in targets], "rows_per_invocation": rows,
                  "invocations": args.invocations, "warmup": args.warmup,
                  "concurrency": args.concurrency, "cold_starts": args.cold_starts,
                  "memory": list(args.memories or []), "endpoint_url": args.endpoint_url,
                  "event": None if args.batch_size else str(args.event),
                  "cold_start_rate": args.cold_start_rate,
                  "monthly_invocations": args.monthly_invocations},
        provenance=provenance.block(), groups=groups,
        comparison=compare_architectures(measurement.samples, groups),
        recommendation=recommend(groups), consistency=check_consistency(measurement.samples),
        samples=measurement.samples, prices=prices, timing_note=invoker.tail_refused,
        partial=measurement.interrupted)
    print(console_report(document, groups))
    if args.json:
        write_json(args.json, document)
        print(f"wrote {args.json}")
    if args.csv:
        summary_path = write_csv(args.csv, measurement.samples, groups)
        print(f"wrote {args.csv} and {summary_path}")
    if args.chart:
        from .chart import write_chart

        title = _chart_title(provenance.block(), invoker.tail_refused, rows)
        write_chart(args.chart, measurement.samples, groups, title)
        print(f"wrote {args.chart}")
    if measurement.interrupted:
        return EXIT_INTERRUPTED
    unmeasured = [t.architecture for t in targets
                  if not any(g.measured for g in groups if g.architecture == t.architecture)]
    if unmeasured:
        print(f"error: could not measure {', '.join(unmeasured)}", file=sys.stderr)
        return EXIT_NOT_MEASURED
    return 0


def _chart_title(provenance: dict[str, Any], tail_refused: str | None, rows: int) -> str:
    parts = [f"arm64 vs x86_64, {rows} row(s) per invocation"]
    ran_on = {info.get("ran_on") for info in provenance["functions"].values()}
    if any(info.get("local_runtime") for info in provenance["functions"].values()):
        parts.append(f"local runtime: both ran on {', '.join(sorted(map(str, ran_on)))}")
    if tail_refused:
        parts.append("client-side timing (Tail refused)")
    return " — ".join(parts)
