"""The benchmark's console table and the notes beside it, from the report `benchmark` writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BATCHES = (1, 100, 10_000)
FULL = 10_000  # rows in the full-precision batches
VARIANTS = ("naive", "xgboost", "compiled")


def direct_note(direct: dict[str, Any]) -> str:
    lines = [f"regression-200 through the handlers, direct invokes of {FULL} rows "
             "(rows/s, thousands; ratio compiled/xgboost):"]
    for precision, by_part in direct["compiled"].items():
        ours = by_part["rows_per_s"]["median"]
        theirs = direct["xgboost"][precision]["rows_per_s"]["median"]
        lines.append(f"  {precision:<14} compiled {ours / 1000:8.1f}  xgboost "
                     f"{theirs / 1000:8.1f}  {ours / theirs:5.2f}×")
    return "\n".join(lines)


def table(report: dict[str, Any]) -> str:
    lines = []
    head = f"{'metric':<40}" + "".join(f"{v:>16}" for v in VARIANTS) + f"{'naive/compiled':>16}"
    lines += [head, "-" * len(head)]

    def row(label: str, values: dict[str, float], unit: str, higher_is_better: bool = False,
            digits: int = 1) -> None:
        cells = "".join(f"{values[v]:>{16 - len(unit)}.{digits}f}{unit}" for v in VARIANTS)
        ratio = values["compiled"] / values["naive"] if higher_is_better else (
            values["naive"] / values["compiled"])
        lines.append(f"{label:<40}{cells}{ratio:>15.1f}×")

    def spread(label: str, values: dict[str, dict[str, float]], unit: str, **kw: Any) -> None:
        row(label, {v: values[v]["median"] for v in VARIANTS}, unit, **kw)
        lines.append(f"{'   min–max over rounds':<40}" + "".join(
            f"{values[v]['min']:>7.1f}–{values[v]['max']:<8.1f}" for v in VARIANTS))

    warm = report["warm_single"]
    spread("warm single row p50 (µs)", {v: warm[v]["p50_us"] for v in VARIANTS}, "")
    row("warm single row p99 (µs)", {v: warm[v]["p99_us"] for v in VARIANTS}, "")
    for key in [str(size) for size in BATCHES] + [f"{FULL} full"]:
        label = f"URL batch {key:>6} rows" if key.isdigit() else f"URL {FULL} full-precision"
        spread(f"{label}: rows/s (thousands)",
               {v: {k: x / 1000 for k, x in report["batch"][v][key].items()}
                for v in VARIANTS}, "", higher_is_better=True)
    for precision in report["direct"]["compiled"]:
        direct = report["direct"]
        spread(f"direct {FULL} {precision}: rows/s (k)",
               {v: {k: x / 1000 for k, x in direct[v][precision]["rows_per_s"].items()}
                for v in VARIANTS}, "", higher_is_better=True)
        spread("   of it: runtime client's decode (ms)",
               {v: direct[v][precision]["decode_ms"] for v in VARIANTS}, "")
        spread("   of it: handler + marshal (ms)",
               {v: direct[v][precision]["ours_ms"] for v in VARIANTS}, "")
    if "cold" in report:
        _cold_rows(report["cold"], row, spread, lines)
    if "large_model" in report:
        _large_model_rows(report["large_model"], spread, lines)
    return "\n".join(lines)


Row = Callable[..., None]


def _cold_rows(cold: dict[str, Any], row: Row, spread: Row, lines: list[str]) -> None:
    spread("cold start: first response (ms)",
           {v: cold[v]["first_response_ms"] for v in VARIANTS}, "")
    spread("cold start: Init Duration (ms)", {v: cold[v]["init_duration_ms"] for v in VARIANTS},
           "")
    hello = cold["hello"]["init_duration_ms"]
    lines.append(f"{'   hello-world floor (ms)':<40}{hello['median']:>16.1f}   "
                 f"(min–max {hello['min']:.1f}–{hello['max']:.1f}, same rounds)")
    over = cold["init_over_floor_ms"]
    spread("   Init over the floor, paired (ms)", {v: over[v] for v in VARIANTS}, "")
    row("peak RSS, warm (MB)", {v: cold[v]["peak_rss_warm_mb"] for v in VARIANTS}, "",
        digits=0)
    row("peak RSS after a 10k-row batch (MB)",
        {v: cold[v]["peak_rss_after_10k_batch_mb"] for v in VARIANTS}, "", digits=0)
    row("files added to the base image (MB)",
        {v: cold[v]["runtime_files_mb"] for v in VARIANTS}, "", digits=2)


def _large_model_rows(big: dict[str, Any], spread: Row, lines: list[str]) -> None:
    lines.append("1000-tree model:")
    spread("  warm single row p50 (µs)",
           {v: big["warm_single"][v]["p50_us"] for v in VARIANTS}, "")
    for size in BATCHES:
        spread(f"  batch {size:>6} rows: rows/s (thousands)",
               {v: {k: x / 1000 for k, x in big["batch"][v][str(size)].items()}
                for v in VARIANTS}, "", higher_is_better=True)


def crossover_note(report: dict[str, Any]) -> str:
    """Where the xgboost engine beats the compiled one (URL batches and direct invokes): a win
    when its slowest round beats the compiled engine's fastest; a higher median with the
    rounds' ranges overlapping is named as within the noise, not as a win."""
    rates: list[tuple[str, dict[str, float], dict[str, float]]] = []
    for label, part in (("served model", report), ("1000-tree model", report.get("large_model"))):
        if part:
            rates += [(f"{label}, URL batches of {size} rows", part["batch"]["xgboost"][size],
                       part["batch"]["compiled"][size]) for size in part["batch"]["compiled"]]
    for precision, by_part in report.get("direct", {}).get("compiled", {}).items():
        rates.append((f"served model, direct invoke of {FULL} {precision} rows",
                      report["direct"]["xgboost"][precision]["rows_per_s"],
                      by_part["rows_per_s"]))
    wins, ties = [], []
    for where, xgb, compiled in rates:
        if xgb["median"] > compiled["median"]:
            times = xgb["median"] / compiled["median"]
            ratio = f"{where}: the xgboost engine is faster ({times:.2f}×"
            if xgb.get("min", xgb["median"]) > compiled.get("max", compiled["median"]):
                wins.append(ratio + ")")
            else:
                ties.append(ratio + " in the median, within the rounds' spread: noise)")
    if not wins:
        wins = ["the compiled engine is faster at every size measured"
                + (" beyond the noise" if ties else "")]
    return "; ".join(wins + ties)
