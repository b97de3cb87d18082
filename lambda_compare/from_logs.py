"""`--from-logs`: compare both functions on the traffic they really served, from their logs.

No invocation is made. Each function's REPORT lines over the window become samples, summarised
and priced as measured ones are (`groups`, `pricing`), at the cold-start rate and request
volume observed, projected to a month. The two functions served different requests, so only
distributions are compared, and a verdict is given only when the difference survives the same
CI + minimum-effect rule (`verdicts`); the report says what logs cannot tell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .errors import DENIED_CODES, EXIT_NOT_FOUND, NOT_FOUND_CODES, UserError
from .groups import Consistency, Group, summarize_groups
from .log_reader import Reading, Window, log_sources, parse_window, read_reports
from .options import Options
from .pricing import Prices
from .provenance import verdict_blocker
from .results import results_document
from .samples import Sample
from .targets import Target
from .verdicts import compare_architectures, recommend

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

SECONDS_PER_MONTH = 30 * 24 * 3600
_MACHINE = re.compile(r"Host Architecture:\s*(\S+)")
NOT_PAIRED = (
    "the two functions served different requests (real traffic is not paired): the figures "
    "compare two distributions, not the same requests on both; a difference may come from "
    "their inputs (batch sizes, payloads), time of day, load and concurrency as much as from "
    "the architecture; replay one mix on both (--payloads) to compare like for like")
NOT_KNOWN = (
    "not in the logs: the requests' content, the answers (not compared), client-side latency, "
    "and whether the two functions run the same model and configuration")


@dataclass
class LogAnalysis:
    document: dict[str, Any]
    groups: list[Group]
    readings: list[Reading]
    lines: list[str]  # the traffic section of the console report

    @property
    def samples(self) -> list[Sample]:
        return [s for reading in self.readings for s in reading.samples]


def analyse_logs(options: Options, lambda_client: LambdaClient | None,
                 logs_client: Any, targets: list[Target], region: str,
                 notes: list[str]) -> LogAnalysis:
    window = parse_window(options.since, options.start, options.end)
    sources = log_sources(lambda_client, targets, {"arm64": options.log_group_arm64,
                                                   "x86_64": options.log_group_x86_64}, notes)
    readings = [_read(logs_client, source, window, options.max_events) for source in sources]
    prices = Prices.load(region, options.prices)
    groups: list[Group] = []
    volumes: dict[str, tuple[int, float]] = {}
    for reading in readings:
        arch = reading.source.target.architecture
        seconds = _span_seconds(reading, window)
        monthly = len(reading.samples) / seconds * SECONDS_PER_MONTH if seconds else 0.0
        volumes[arch] = (len(reading.samples), monthly)
        groups += summarize_groups(reading.samples, prices, options.cold_start_rate,
                                   max(monthly, 1.0))
    functions = _functions(readings)
    no_verdict = verdict_blocker(functions, None)
    total_monthly = sum(monthly for _, monthly in volumes.values())
    notes[:0] = [NOT_PAIRED, NOT_KNOWN]
    notes.extend(_reading_notes(readings, window))
    samples = [s for reading in readings for s in reading.samples]
    rows = [s.rows for s in samples]
    document = results_document(
        settings={"targets": [t.__dict__ for t in targets], "from_logs": True,
                  "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
                  "log_groups": {r.source.target.architecture: r.source.log_group
                                 for r in readings},
                  "max_events": options.max_events, "rows_per_invocation":
                  sum(rows) / len(rows) if rows else 1, "payload": "observed traffic",
                  "cold_start_rate": options.cold_start_rate, "min_effect": options.min_effect,
                  "monthly_invocations": total_monthly},
        provenance={"functions": functions, "warnings": [
            "not checked like for like: --from-logs reads logs only, so the functions' "
            "configuration, code and model were not compared"], "local": any(
                "local runtime" in host for r in readings for host in r.hosts),
            "no_verdict_reason": no_verdict, "architecture_verdict": no_verdict is None},
        groups=groups, comparison=compare_architectures(groups, options.min_effect, no_verdict),
        recommendation=recommend(groups, prices, max(total_monthly, 1.0), options.min_effect,
                                 no_verdict),
        consistency=Consistency(0, 0, 0.0, 0), samples=samples, prices=prices,
        timing_note=None, partial=any(r.truncated for r in readings), notes=notes)
    document["timing"] = (f"Lambda REPORT lines read from CloudWatch Logs (FilterLogEvents), "
                          f"{window.text()}")
    traffic = _traffic(readings, groups, volumes, window)
    document["traffic"] = traffic
    return LogAnalysis(document, groups, readings, _traffic_lines(traffic))


def _read(logs_client: Any, source: Any, window: Window, max_events: int) -> Reading:
    try:
        return read_reports(logs_client, source, window, max_events)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in NOT_FOUND_CODES:
            raise UserError("log_group_not_found", f"no log group {source.log_group} "
                            f"({source.how}) for {source.target.function}: pass --log-group-"
                            f"{source.target.architecture.replace('_', '-')} NAME, or check "
                            "--region", EXIT_NOT_FOUND) from None
        if code in DENIED_CODES:
            raise UserError("access_denied", f"FilterLogEvents on {source.log_group} refused "
                            f"({code}): --from-logs needs logs:FilterLogEvents on both "
                            "functions' log groups", EXIT_NOT_FOUND) from None
        raise


def _span_seconds(reading: Reading, window: Window) -> float:
    """The window, or the part of it read when --max-events stopped the reading early."""
    if reading.truncated and reading.first_ms and reading.last_ms:
        return max((reading.last_ms - reading.first_ms) / 1000.0, 1.0)
    return window.seconds


def _functions(readings: list[Reading]) -> dict[str, dict[str, Any]]:
    """What the logs say of each function: where it ran (the local runtime says so), and the
    model version its prediction lines name."""
    functions = {}
    for reading in readings:
        target = reading.source.target
        machines = {m.group(1) for host in reading.hosts if (m := _MACHINE.search(host))}
        functions[target.architecture] = {
            "function": target.function, "declared_architecture": target.architecture,
            "ran_on": machines.pop() if len(machines) == 1 else None,
            "emulated": any("EMULATED" in host for host in reading.hosts),
            "model_version": ", ".join(sorted(reading.model_versions)) or None,
            "engine": ", ".join(sorted(reading.engines)) or None,
            "resolved_image_uri": "not in the logs", "log_group": reading.source.log_group,
            "log_format": reading.source.log_format}
    return functions


def _reading_notes(readings: list[Reading], window: Window) -> list[str]:
    notes = []
    for reading in readings:
        arch = reading.source.target.architecture
        with_rows = sum(1 for s in reading.samples if s.rows != 1)
        if reading.truncated:
            notes.append(f"{arch}: stopped at --max-events {reading.events_read} events: the "
                         "figures cover only the first part of the window, and the monthly "
                         "projection that part's rate")
        if reading.samples and not with_rows:
            notes.append(f"{arch}: rows per request come from the function's prediction log "
                         "lines; none named more than 1 (or there were none): cost per 1M "
                         "predictions is then per 1M requests")
    notes.append(f"monthly volume = requests in the window × 30 days / the window's "
                 f"{window.seconds / 3600:.3g} h: it assumes the window is typical; a window "
                 "shorter than a day or a week misses their cycles")
    return notes


def _traffic(readings: list[Reading], groups: list[Group],
             volumes: dict[str, tuple[int, float]], window: Window) -> dict[str, Any]:
    total_monthly = sum(monthly for _, monthly in volumes.values())
    per_function = {}
    for reading in readings:
        arch = reading.source.target.architecture
        mine = [g for g in groups if g.architecture == arch]
        requests, monthly = volumes[arch]
        cost = next((g.cost for g in mine if g.cost), None)
        per_function[arch] = {
            "log_group": reading.source.log_group, "log_group_from": reading.source.how,
            "events_read": reading.events_read, "pages": reading.pages,
            "truncated": reading.truncated, "requests": requests,
            "invalid_reports": reading.invalid_reports,
            "errors": sum(1 for s in reading.samples if not s.ok),
            "cold_starts": sum(1 for s in reading.samples if s.cold),
            "memory_sizes": sorted({g.memory_mb for g in mine}),
            "projected_monthly_requests": monthly,
            "cost_per_million_requests": cost.per_million_invocations if cost else None,
            "projected_monthly_cost": cost.per_million_invocations * monthly / 1e6
            if cost else None,
            "all_traffic_monthly_cost": cost.per_million_invocations * total_monthly / 1e6
            if cost else None,
        }
    return {"window_seconds": window.seconds, "functions": per_function,
            "projected_monthly_requests_both": total_monthly}


def _traffic_lines(traffic: dict[str, Any]) -> list[str]:
    lines = ["", f"Observed traffic ({traffic['window_seconds'] / 3600:.3g} h window, "
             "projected to 30 days):"]
    for arch, f in traffic["functions"].items():
        money = (f"${f['cost_per_million_requests']:.4g} per 1M requests, ~"
                 f"${f['projected_monthly_cost']:.4g}/month for its own traffic, ~"
                 f"${f['all_traffic_monthly_cost']:.4g}/month if both functions' traffic "
                 f"({traffic['projected_monthly_requests_both']:.4g} requests/month) ran on it"
                 if f["cost_per_million_requests"] is not None else "no cost: memory unknown")
        lines.append(f"{arch}: {f['requests']} requests in {f['log_group']} "
                     f"({f['log_group_from']}; {f['events_read']} events, {f['pages']} pages"
                     f"{', TRUNCATED' if f['truncated'] else ''}), {f['cold_starts']} cold "
                     f"starts, {f['errors']} errors, memory {f['memory_sizes']} MB; "
                     f"~{f['projected_monthly_requests']:.4g} requests/month; {money}")
    return lines
