"""The comparison for people (a console report) and for tools (JSON and CSV)."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .pricing import Prices
from .samples import Sample
from .summary import Consistency, Group


def results_document(*, settings: dict[str, Any], provenance: dict[str, Any],
                     groups: list[Group], comparison: dict[int, dict[str, Any]],
                     recommendation: dict[str, Any], consistency: Consistency,
                     samples: list[Sample], prices: Prices, timing_note: str | None,
                     partial: bool) -> dict[str, Any]:
    return {
        "partial": partial,
        "timing": timing_note or "Lambda REPORT lines (LogType=Tail)",
        "settings": settings,
        "provenance": provenance,
        "prices": {"source": prices.source, "as_of": prices.as_of, "region": prices.region,
                   "request_fee_per_million": prices.request_fee_per_million},
        "summary": [_group_dict(g) for g in groups],
        "comparison": {str(k): v for k, v in comparison.items()},
        "recommendation": recommendation,
        "consistency": asdict(consistency),
        "samples": [s.record() for s in samples],
    }


def _group_dict(group: Group) -> dict[str, Any]:
    data = {k: v for k, v in group.__dict__.items() if k not in ("cost",)}
    for key in ("warm_duration", "warm_billed", "warm_client", "cold_init", "cold_billed"):
        data[key] = data[key].as_dict() if data[key] else None
    data["cost"] = asdict(group.cost) if group.cost else None
    return data


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def write_csv(path: Path, samples: list[Sample], groups: list[Group]) -> Path:
    """Every sample in `path`; the summary, one row per function and memory, beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [s.record() for s in samples]
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(records[0]) if records else ["none"])
        writer.writeheader()
        writer.writerows(records)
    summary_path = path.with_name(path.stem + "-summary" + path.suffix)
    rows = [_flat_summary(g) for g in groups]
    with summary_path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]) if rows else ["none"])
        writer.writeheader()
        writer.writerows(rows)
    return summary_path


def _flat_summary(group: Group) -> dict[str, Any]:
    row: dict[str, Any] = {"architecture": group.architecture, "memory_mb": group.memory_mb,
                           "source": group.source, "rows_per_invocation": group.rows,
                           **{f"count_{k}": v for k, v in group.counts.items()},
                           "retries": group.retries, "cold_samples": group.cold_samples,
                           "observed_cold_rate": group.observed_cold_rate,
                           "cold_rate_used": group.cold_rate_used,
                           "max_memory_used_mb": group.max_memory_used_mb}
    for name in ("warm_duration", "warm_billed", "cold_init", "cold_billed"):
        summary = getattr(group, name)
        for stat in ("n", "mean", "p50", "p90", "p99", "min", "max"):
            row[f"{name}_{stat}"] = getattr(summary, stat) if summary else None
    cost = group.cost
    row["cost_per_million_invocations"] = cost.per_million_invocations if cost else None
    row["cost_per_million_predictions"] = cost.per_million_predictions if cost else None
    row["request_fee_share"] = cost.request_fee_share if cost else None
    return row


def console_report(document: dict[str, Any], groups: list[Group]) -> str:
    lines: list[str] = []
    add = lines.append
    if document["partial"]:
        add("PARTIAL RESULTS: the run was interrupted; figures cover what was measured.")
    add(f"Timing source: {document['timing']}")
    _provenance_lines(document["provenance"], add)
    add("")
    header = (f"{'function':<18}{'n':>5}{'p50 ms':>9}{'p90':>8}{'p99':>8}{'mean':>8}"
              f"{'billed p50':>11}{'cold n':>7}{'init p50':>9}{'max MB':>7}"
              f"{'$/1M inv':>10}{'$/1M pred':>11}{'req fee':>8}")
    add(header)
    add("-" * len(header))
    for g in groups:
        warm, billed, init, cost = g.warm_duration, g.warm_billed, g.cold_init, g.cost
        add(f"{g.key:<18}{(warm.n if warm else 0):>5}{_f(warm, 'p50'):>9}{_f(warm, 'p90'):>8}"
            f"{_f(warm, 'p99'):>8}{_f(warm, 'mean'):>8}{_f(billed, 'p50', 0):>11}"
            f"{g.cold_samples:>7}{_f(init, 'p50', 1):>9}{g.max_memory_used_mb or '-':>7}"
            f"{_money(cost.per_million_invocations if cost else None):>10}"
            f"{_money(cost.per_million_predictions if cost else None):>11}"
            f"{(f'{cost.request_fee_share:.0%}' if cost else '-'):>8}")
    add("")
    for g in groups:
        problems = {k: v for k, v in g.counts.items() if k != "ok" and v}
        if problems or g.retries:
            add(f"{g.key}: {', '.join(f'{v} {k}' for k, v in problems.items()) or 'no errors'}"
                f"; {g.retries} retries" + (f"; e.g. {g.errors[0]}" if g.errors else ""))
        if g.cost:
            add(f"{g.key}: cost at cold-start rate {g.cold_rate_used:.2%} (observed "
                f"{g.observed_cold_rate:.2%}), {g.rows} prediction(s) per invocation, "
                f"mean billed {g.cost.mean_billed_ms:.2f} ms")
        if g.cold_billed and g.warm_billed:
            add(f"{g.key}: a cold start bills {g.cold_billed.p50:.0f} ms (INIT included), "
                f"{g.cold_billed.p50 / g.warm_billed.mean:.0f}× a warm invocation")
    for memory, comparison in document["comparison"].items():
        add(f"{memory} MB: {comparison['verdict']}")
        if comparison.get("cost_ratio"):
            add(f"{memory} MB: arm64 costs {comparison['cost_ratio']:.2f}× x86_64 per prediction")
    consistency = document["consistency"]
    add(f"Answers compared across architectures: {consistency['compared']}, mismatches "
        f"{consistency['mismatches']} (max |Δp| {consistency['max_abs_diff']:.2g}, label "
        f"differences {consistency['label_differences']})")
    for goal, pick in document["recommendation"].items():
        detail = ""
        if "saving" in pick:
            detail = f", {pick['saving']:.1%} cheaper than {pick['versus']}"
        elif "faster_by" in pick:
            ratio = (document["comparison"].get(str(pick["memory_mb"])) or {}).get(
                "duration_ratio") or {}
            caveat = "" if ratio.get("significant") else " (not a significant difference)"
            detail = f", {pick['faster_by']:.1%} faster than {pick['versus']}{caveat}"
        add(f"Recommendation ({goal}): {pick['architecture']} @ {pick['memory_mb']} MB — "
            f"${pick['cost_per_million_predictions']:.4g} per 1M predictions, warm p50 "
            f"{pick['warm_p50_ms']:.2f} ms{detail}")
    prices = document["prices"]
    add(f"Prices: {prices['region']}, {prices['as_of']}; request fee "
        f"${prices['request_fee_per_million']:.2f}/1M; source {prices['source']}")
    return "\n".join(lines)


def _provenance_lines(provenance: dict[str, Any], add: Any) -> None:
    for arch, info in provenance.get("functions", {}).items():
        add(f"{arch}: {info['function']} declared {info['declared_architecture']}, ran on "
            f"{info.get('ran_on') or '?'}; model {info.get('model_version')} engine "
            f"{info.get('engine')}; image {info.get('resolved_image_uri') or info.get('image_uri')}")
    for notice in provenance.get("notices", []):
        add(f"NOTE: {notice}")
    machines = {info.get("ran_on") for info in provenance.get("functions", {}).values()}
    if len(machines) == 1 and None not in machines and len(provenance.get("functions", {})) > 1:
        add(f"NOTE: both functions ran on {machines.pop()}: any difference measured between them "
            "is noise and ordering, not architecture.")
    for warning in provenance.get("warnings", []):
        add(f"WARNING: {warning}")
    if provenance.get("functions") and not provenance.get("warnings"):
        add("Like for like: same model, engine, libraries and configuration; only the "
            "architecture differs.")


def _f(summary: Any, attribute: str, digits: int = 2) -> str:
    return f"{getattr(summary, attribute):.{digits}f}" if summary else "-"


def _money(value: float | None) -> str:
    return f"{value:.4g}" if value is not None else "-"
