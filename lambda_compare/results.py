"""The comparison for people (a console report) and for tools (JSON and CSV)."""

from __future__ import annotations

import csv
from dataclasses import asdict
from pathlib import Path
from typing import Any

from . import strict_json
from .groups import Consistency, Group
from .pricing import INIT_BILLING, NOT_MODELLED, Prices
from .samples import Sample
from .stats import MIN_P99_SAMPLES


def results_document(*, settings: dict[str, Any], provenance: dict[str, Any],
                     groups: list[Group], comparison: dict[int, dict[str, Any]],
                     recommendation: dict[str, Any], consistency: Consistency,
                     samples: list[Sample], prices: Prices, timing_note: str | None,
                     partial: bool, notes: list[str]) -> dict[str, Any]:
    return {
        "partial": partial,
        "timing": timing_note or "Lambda REPORT lines (LogType=Tail)",
        "timing_source": "client" if timing_note else "report",
        "settings": settings,
        "provenance": provenance,
        "notes": notes,
        "p99_min_samples": MIN_P99_SAMPLES,
        "prices": {"source": prices.source, "as_of": prices.as_of, "region": prices.region,
                   "request_fee_per_million": prices.request_fee_per_million,
                   "not_modelled": NOT_MODELLED, "init_billing": INIT_BILLING},
        "summary": [_group_dict(g) for g in groups],
        "comparison": {str(k): v for k, v in comparison.items()},
        "recommendation": recommendation,
        "consistency": asdict(consistency),
        "samples": [s.record() for s in samples],
    }


def _group_dict(group: Group) -> dict[str, Any]:
    data = {k: v for k, v in group.__dict__.items() if k not in ("cost", "warm", "cold")}
    for key in ("warm_duration", "warm_billed", "warm_client", "cold_init", "cold_billed"):
        data[key] = data[key].as_dict() if data[key] else None
    data["cost"] = asdict(group.cost) if group.cost else None
    return data


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(strict_json.dumps(document, indent=2) + "\n")


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
                           "natural_cold_samples": group.natural_cold_samples,
                           "unforced_samples": group.unforced_samples,
                           "observed_cold_rate": group.observed_cold_rate,
                           "cold_rate_used": group.cold_rate_used,
                           "max_memory_used_mb": group.max_memory_used_mb, "cpus": group.cpus}
    for name in ("warm_duration", "warm_billed", "cold_init", "cold_billed"):
        summary = getattr(group, name)
        for stat in ("n", "mean", "p50", "p90", "p99", "min", "max"):
            row[f"{name}_{stat}"] = getattr(summary, stat) if summary else None
    cost = group.cost
    row["cost_per_million_invocations"] = cost.per_million_invocations if cost else None
    row["cost_per_million_predictions"] = cost.per_million_predictions if cost else None
    row["request_fee_share"] = cost.request_fee_share if cost else None
    return row


COLUMNS = (("function", 18), ("n", 5), ("p50 ms", 8), ("p90 ms", 8), ("p99 ms", 8),
           ("mean ms", 8), ("billed p50", 10), ("cold n", 6), ("INIT p50", 8), ("max MB", 6),
           ("$/1M inv", 9), ("$/1M pred", 9), ("req fee", 7))


def console_report(document: dict[str, Any], groups: list[Group]) -> str:
    lines: list[str] = []
    add = lines.append
    if document["partial"]:
        add("PARTIAL RESULTS: the run was interrupted; figures cover what was measured.")
    add(f"Timing source: {document['timing']}")
    _provenance_lines(document["provenance"], add)
    add("")
    add(_row([title for title, _ in COLUMNS]))
    add("-" * (sum(width for _, width in COLUMNS) + 2 * (len(COLUMNS) - 1)))
    for g in groups:
        warm, billed, init, cost = g.warm_duration, g.warm_billed, g.cold_init, g.cost
        add(_row([g.key, str(warm.n if warm else 0), _f(warm, "p50"), _f(warm, "p90"),
                  _p99(warm), _f(warm, "mean"), _f(billed, "p50", 0), str(g.cold_samples),
                  _f(init, "p50", 1), str(g.max_memory_used_mb or "-"),
                  _money(cost.per_million_invocations if cost else None),
                  _money(cost.per_million_predictions if cost else None),
                  f"{cost.request_fee_share:.0%}" if cost else "-"]))
    if any(g.warm_duration and g.warm_duration.p99 is None for g in groups):
        add(f"p99 is shown from {document['p99_min_samples']} warm samples up (n<"
            f"{document['p99_min_samples']}: too few for a 99th percentile); n = warm samples, "
            "cold n = invocations that ran INIT or a restore (forced and natural)")
    add("")
    _sweep_lines(groups, add)
    for g in groups:
        _group_lines(g, add)
    for memory, comparison in document["comparison"].items():
        size = f"{memory} MB" if memory != "0" else "memory unknown"
        add(f"{size}: {comparison['verdict']}")
        if comparison.get("cost_ratio") and comparison["verdict_kind"] != "no_verdict":
            add(f"{size}: arm64 costs {comparison['cost_ratio']:.2f}× x86_64 per prediction")
    consistency = document["consistency"]
    add(f"Answers compared across architectures: {consistency['compared']}, mismatches "
        f"{consistency['mismatches']} (max |Δp| {consistency['max_abs_diff']:.2g}, label "
        f"differences {consistency['label_differences']})")
    _recommendation_lines(document["recommendation"], add)
    for note in document["notes"]:
        add(f"NOTE: {note}")
    prices = document["prices"]
    add(f"Prices: {prices['region']}, {prices['as_of']}; request fee "
        f"${prices['request_fee_per_million']:.2f}/1M; source {prices['source']}")
    add(f"Billing: {prices['init_billing']}")
    add(f"Not modelled: {prices['not_modelled']}")
    return "\n".join(lines)


def _sweep_lines(groups: list[Group], add: Any) -> None:
    """Per architecture over a memory sweep: warm p50 and the CPUs the function could use at
    each size, each size's speed as a multiple of the smallest's (batches gain from CPUs)."""
    for architecture in sorted({g.architecture for g in groups}):
        sized = sorted((g for g in groups if g.architecture == architecture and g.memory_mb
                        and g.warm_duration), key=lambda g: g.memory_mb)
        if len(sized) < 2:
            continue
        first = sized[0].warm_duration
        parts = []
        for g in sized:
            p50 = g.warm_duration.p50 if g.warm_duration else 0.0
            cpus = f"{g.cpus} CPU{'s' if g.cpus != 1 else ''}" if g.cpus else "CPUs unknown"
            speed = (f", {first.p50 / p50:.2f}× the {sized[0].memory_mb} MB speed"
                     if first and p50 > 0 and g is not sized[0] else "")
            parts.append(f"{g.memory_mb} MB {p50:.2f} ms ({cpus}{speed})")
        add(f"Memory sweep, {architecture} (warm p50; CPUs the function said it may use): "
            + " · ".join(parts))


def _group_lines(g: Group, add: Any) -> None:
    problems = {k: v for k, v in g.counts.items() if k != "ok" and v}
    if problems or g.retries:
        add(f"{g.key}: {', '.join(f'{v} {k}' for k, v in problems.items()) or 'no errors'}"
            f"; {g.retries} retries" + (f"; e.g. {g.errors[0]}" if g.errors else ""))
    if g.cold_samples:
        add(f"{g.key}: {g.cold_samples} cold start{'s' if g.cold_samples != 1 else ''}: "
            f"{g.cold_samples - g.natural_cold_samples}"
            f" forced, {g.natural_cold_samples} natural among {g.unforced_samples} unforced "
            f"invocations (observed rate {g.observed_cold_rate:.2%})")
    if g.cost:
        add(f"{g.key}: cost at cold-start rate {g.cold_rate_used:.2%}, {g.rows:.4g} "
            f"prediction{'s' if g.rows != 1 else ''} per invocation: mean billed "
            f"{g.cost.mean_billed_ms:.2f} ms, request fee {g.cost.request_fee_share:.0%} of "
            "the cost" + ("" if g.observed_cold_rate or not g.cold_samples else
                          "; no cold start happened on its own: --cold-start-rate R prices "
                          "them at your traffic's rate"))
    if g.cold_billed and g.warm_billed:
        add(f"{g.key}: a cold start bills {g.cold_billed.mean:.0f} ms on average (INIT "
            f"included), {g.cold_billed.mean / g.warm_billed.mean:.0f}× a warm invocation")


def _recommendation_lines(recommendation: dict[str, Any], add: Any) -> None:
    if recommendation.get("verdict_kind") != "recommendation":
        add(f"Recommendation: none — {recommendation.get('reason', 'nothing measured')}")
        return
    aspects = {"cheapest": ("cost",), "fastest": ("speed",), "balanced": ("cost", "speed")}
    for goal, wanted in aspects.items():
        pick = recommendation[goal]
        figures = [(aspect, pick[aspect]) for aspect in wanted if aspect in pick]
        parts = [_aspect_text(aspect, f) for aspect, f in figures]
        head = f"{pick['architecture']} @ {pick['memory_mb']} MB"
        if figures and not any(f["meaningful"] for _, f in figures):
            what = " or ".join(aspect for aspect, _ in figures)
            why = "; ".join(f["why_not"] for _, f in figures)
            head = (f"no meaningful difference in {what} — {head} and {pick['versus']} are "
                    f"within noise ({why}); either will do; e.g. {head}")
            parts = []
        add(f"Recommendation ({goal}): {head} — ${pick['cost_per_million_predictions']:.4g} "
            f"per 1M predictions, warm p50 {pick['warm_p50_ms']:.2f} ms"
            + (f"; {' and '.join(parts)} than {pick['versus']}" if parts else ""))


def _aspect_text(aspect: str, figures: dict[str, Any]) -> str:
    """Never a negative number: the pick is cheaper or dearer, faster or slower."""
    if aspect == "cost":
        text = f"{figures['by']:.1%} {'cheaper' if figures['better'] else 'dearer'}"
    else:
        ratio = figures["ratio"]
        text = (f"{1 / ratio:.2f}× faster" if figures["better"] else f"{ratio:.2f}× slower")
    return text if figures["meaningful"] else f"{text} (within noise)"


def _row(cells: list[str]) -> str:
    first, *rest = [(cell, width) for cell, (_, width) in zip(cells, COLUMNS, strict=True)]
    return "  ".join([f"{first[0]:<{first[1]}}"] + [f"{cell:>{width}}" for cell, width in rest])


def _provenance_lines(provenance: dict[str, Any], add: Any) -> None:
    for arch, info in provenance.get("functions", {}).items():
        add(f"{arch}: {info['function']} declared {info['declared_architecture']}, ran on "
            f"{info.get('ran_on') or '?'}; model {info.get('model_version')} engine "
            f"{info.get('engine')}; image "
            f"{info.get('resolved_image_uri') or info.get('image_uri') or '?'}")
    for skipped in provenance.get("skipped_checks", []):
        add(f"NOTE: {skipped}")
    for notice in provenance.get("notices", []):
        add(f"NOTE: {notice}")
    if provenance.get("no_verdict_reason"):
        add(f"NOTE: no architecture verdict: {provenance['no_verdict_reason']}")
    for warning in provenance.get("warnings", []):
        add(f"WARNING: {warning}")
    if provenance.get("functions") and not provenance.get("warnings"):
        checked = ("model, engine, libraries and configuration" if provenance.get(
            "configuration_api", True) else "model, engine and libraries (describe answers)")
        add(f"Like for like: same {checked}; only the architecture differs.")


def _p99(summary: Any) -> str:
    if not summary:
        return "-"
    return f"{summary.p99:.2f}" if summary.p99 is not None else f"n<{MIN_P99_SAMPLES}"


def _f(summary: Any, attribute: str, digits: int = 2) -> str:
    return f"{getattr(summary, attribute):.{digits}f}" if summary else "-"


def _money(value: float | None) -> str:
    return f"{value:.4g}" if value is not None else "-"
