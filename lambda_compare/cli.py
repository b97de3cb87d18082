"""Command line: which functions, what to send, how to measure, where to write.

`main` reads the options once (`options.py`) and runs one pipeline: targets, clients,
provenance, measure, summarise, report, write. --from-logs runs the same tail on the REPORT
lines of the functions' own traffic instead of invocations.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
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
from .groups import Group, check_consistency, summarize_groups
from .invoker import Invoker
from .limits import clip
from .options import Options, parse_options
from .payloads import Request, load_requests, mix_description, replay_order
from .pricing import Prices
from .provenance import Provenance, collect, describe
from .results import console_report, results_document, write_csv, write_json
from .runner import Measurement, Plan, measure
from .samples import OUTCOMES, Sample
from .single_payload import Payload, choose_payload, serves_imported_model
from .targets import Target, TargetError, resolve_targets
from .verdicts import compare_architectures, recommend

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_lambda import LambdaClient

__all__ = ["main", "serves_imported_model"]


def main(argv: Sequence[str] | None = None, *, lambda_client: LambdaClient | None = None,
         cloudformation: CloudFormationClient | None = None, logs: Any = None) -> int:
    """The command; the keyword-only clients replace AWS's (tests pass stubbed ones)."""
    options = parse_options(argv)
    try:
        if options.from_logs:
            return run_from_logs(options, lambda_client, cloudformation, logs)
        return run(options, lambda_client, cloudformation)
    except KeyboardInterrupt:
        if options.debug:
            raise
        print("interrupted before measuring: no function was changed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        user_error = explain(error, options.endpoint_url) or UserError(
            "internal_error", f"unexpected {type(error).__name__}: {clip(str(error))} (a bug: "
            "--debug shows the traceback)", EXIT_INTERNAL)
        if options.debug:
            raise
        print(user_error.line(), file=sys.stderr)
        return user_error.exit_status


def run(options: Options, lambda_client: LambdaClient | None,
        cloudformation: CloudFormationClient | None) -> int:
    """targets -> payload -> provenance -> measure -> summarise -> report -> write."""
    # Which functions and what to send (a replayed mix read and checked whole), before any
    # AWS set-up is needed (a stack's outputs need it).
    targets = None if options.stack_name else choose_targets(options, None)
    requests = replay_order(load_requests(options.payloads), options.shuffle, options.seed) \
        if options.payloads else []
    payload = Payload(requests[0].body, requests[0].rows, None) if requests \
        else choose_payload(options)
    if lambda_client is None:
        lambda_client, cloudformation = clients(options)
    targets = targets or choose_targets(options, cloudformation)
    calls = BoundedCalls(options.invoke_timeout)
    calls.install(lambda_client)
    provenance = collect(lambda_client, targets, swept_memory=bool(options.memories),
                         local_endpoint=is_loopback(options.endpoint_url), calls=calls)
    if refused_as_different(options, provenance):
        return EXIT_USAGE
    invoker = Invoker(lambda_client, payload.body, payload.rows, calls, debug=options.debug)
    plan = Plan(options.invocations or len(requests), options.warmup, options.concurrency,
                options.cold_starts, options.memories, tuple(requests))
    configured = {a: int(f.get("memory_mb") or 0) for a, f in provenance.functions.items()}
    measurement = measure(lambda_client, targets, invoker, plan, configured_memory=configured,
                          cpus_of=(lambda target: describe(lambda_client, target, calls).get(
                              "cpus")) if options.memories else None)
    prices = Prices.load(lambda_client.meta.region_name, options.prices)
    groups = summarize_groups(measurement.samples, prices, options.cold_start_rate,
                              options.monthly_invocations)
    attach_cpus(groups, provenance, configured, measurement.cpus)
    document = measured_document(options, targets, payload, requests, provenance, groups,
                                 prices, measurement, invoker.tail_refused)
    print_measured(options, document, groups, prices, requests)
    write_outputs(options, document, measurement.samples, groups)
    if measurement.interrupted:
        return EXIT_INTERRUPTED
    return unmeasured_status(targets, groups)


def attach_cpus(groups: list[Group], provenance: Provenance, configured: dict[str, int],
                swept: dict[tuple[str, int], int]) -> None:
    """Each group's CPUs: asked after each memory change of a sweep, else from provenance."""
    said = {(arch, configured[arch]): info["cpus"] for arch, info in provenance.functions.items()
            if info.get("cpus")}
    for group in groups:
        group.cpus = {**said, **swept}.get((group.architecture, group.memory_mb))


def refused_as_different(options: Options, provenance: Provenance) -> bool:
    """--strict and functions that differ beyond architecture; raises when the endpoint cannot
    change configuration that --cold-starts or --memory need."""
    if options.strict and provenance.warnings:
        for warning in provenance.warnings:
            print(f"WARNING: {warning}", file=sys.stderr)
        print("error: --strict: the functions differ beyond architecture (see warnings)",
              file=sys.stderr)
        return True
    if not provenance.configuration_api and (options.cold_starts or options.memories):
        raise UserError("unsupported", f"--cold-starts and --memory change the functions' "
                        f"configuration, which {options.endpoint_url or 'this endpoint'} cannot "
                        "do (no UpdateFunctionConfiguration, as `sam local start-lambda`): run "
                        "without them", EXIT_UNSUPPORTED)
    return False


def measured_document(options: Options, targets: list[Target], payload: Payload,
                      requests: list[Request], provenance: Provenance, groups: list[Group],
                      prices: Prices, measurement: Measurement, tail_refused: str | None
                      ) -> dict[str, Any]:
    """The results document of a measurement: settings, provenance, figures, verdicts."""
    notes = measurement_notes(provenance, groups)
    notes += timeout_notes(provenance, options.invoke_timeout)
    if tail_refused:
        notes.append("client-side timing cannot tell a cold start from a warm invocation (no "
                     "REPORT line): a cold start, if any, is among the warm samples")
    return results_document(
        settings=measured_settings(options, targets, payload, requests),
        provenance=provenance.block(), groups=groups,
        comparison=compare_architectures(groups, options.min_effect, provenance.no_verdict),
        recommendation=recommend(groups, prices, options.monthly_invocations,
                                 options.min_effect, provenance.no_verdict),
        consistency=check_consistency(measurement.samples), samples=measurement.samples,
        prices=prices, timing_note=tail_refused, partial=measurement.interrupted, notes=notes)


def measured_settings(options: Options, targets: list[Target], payload: Payload,
                      requests: list[Request]) -> dict[str, Any]:
    return {
        "targets": [t.__dict__ for t in targets],
        "rows_per_invocation": sum(r.rows for r in requests) / len(requests) if requests
        else payload.rows,
        "invocations": options.invocations or len(requests), "warmup": options.warmup,
        "concurrency": options.concurrency, "cold_starts": options.cold_starts,
        "memory": list(options.memories or []), "endpoint_url": options.endpoint_url,
        "event": str(payload.event) if payload.event else None,
        "payloads": str(options.payloads) if requests else None,
        "mix": mix_description(requests) if requests else None,
        "shuffle": options.shuffle, "seed": options.seed if options.shuffle else None,
        "invoke_timeout_s": options.invoke_timeout,
        "cold_start_rate": options.cold_start_rate, "min_effect": options.min_effect,
        "monthly_invocations": options.monthly_invocations}


def print_measured(options: Options, document: dict[str, Any], groups: list[Group],
                   prices: Prices, requests: list[Request]) -> None:
    """The console report, and for a replayed mix its batch-size buckets."""
    buckets = bucket_figures(groups, prices, options.monthly_invocations) if requests else []
    document["batch_buckets"] = [b.record() for b in buckets]
    print(console_report(document, groups))
    if buckets:
        print("\n".join(["", f"Replayed {document['settings']['mix']}; cost per 1M requests "
                          "of this mix is $/1M inv above", *bucket_lines(buckets)]))


def run_from_logs(options: Options, lambda_client: LambdaClient | None,
                  cloudformation: CloudFormationClient | None, logs: Any) -> int:
    """No invocation: both functions' REPORT lines from CloudWatch Logs, compared."""
    notes: list[str] = []
    targets = None if options.stack_name else choose_targets(options, None)
    if lambda_client is None:
        try:
            lambda_client, cloudformation = clients(options)
        except UserError as error:  # GetFunctionConfiguration is optional: say so, go on
            if error.code != "endpoint_unreachable" or options.stack_name:
                raise
            notes.append(f"GetFunctionConfiguration skipped ({error.message})")
    targets = targets or choose_targets(options, cloudformation)
    logs = logs or logs_client(options)
    analysis = analyse_logs(options, lambda_client, logs, targets, logs.meta.region_name, notes)
    print(console_report(analysis.document, analysis.groups))
    print("\n".join(analysis.lines))
    write_outputs(options, analysis.document, analysis.samples, analysis.groups)
    for reading in analysis.readings:
        if not reading.samples:
            print(f"error: no REPORT line of {reading.source.target.function} in "
                  f"{reading.source.log_group} over the window [no_reports]", file=sys.stderr)
            return EXIT_NOT_MEASURED
    return unmeasured_status(targets, analysis.groups)


def choose_targets(options: Options,
                   cloudformation: CloudFormationClient | None) -> list[Target]:
    try:
        return resolve_targets(options.arm64, options.x86_64, options.stack_name,
                               options.endpoint_url, cloudformation)
    except TargetError as error:
        raise UserError("no_targets", str(error), EXIT_USAGE) from None


def measurement_notes(provenance: Provenance, groups: list[Group]) -> list[str]:
    """What a reader must know to read the figures right."""
    notes = []
    if provenance.local and len({g.memory_mb for g in groups}) > 1:
        notes.append("local runtime: each environment gets whole CPUs by Lambda's rule (one "
                     "per 1,769 MB, at most this machine's), not Lambda's fractional share "
                     "below that: small memory sizes run faster here than on Lambda; measure "
                     "memory on AWS")
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


def write_outputs(options: Options, document: dict[str, Any], samples: list[Sample],
                  groups: list[Group]) -> None:
    if options.json:
        write_json(options.json, document)
        print(f"wrote {options.json}")
    if options.csv:
        summary_path = write_csv(options.csv, samples, groups)
        print(f"wrote {options.csv} and {summary_path}")
    if options.chart:
        from .chart import write_chart

        write_chart(options.chart, groups, document)
        print(f"wrote {options.chart}")


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
