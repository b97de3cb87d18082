"""Where the money goes in a replayed mix: warm durations and cost split by batch size.

Each function's warm samples are put in buckets by rows per request (`payloads.BUCKETS`); per
bucket: how many, the median duration and per row, the share of the function's billed time
(at one memory size the duration cost is proportional to it), and what 1M predictions would
cost if every request were of that bucket's sizes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .groups import Group, billed_ms
from .payloads import BUCKETS, bucket_of
from .pricing import Prices, cost_per_million
from .stats import percentile


@dataclass(frozen=True)
class BucketFigures:
    function: str  # the group's key, "arm64 @ 512 MB"
    bucket: str
    n: int
    mean_rows: float
    p50_ms: float
    p50_us_per_row: float
    billed_share: float  # of the group's warm billed time
    cost_per_million_predictions: float | None

    def record(self) -> dict[str, object]:
        return asdict(self)


def bucket_figures(groups: list[Group], prices: Prices, monthly_invocations: float
                   ) -> list[BucketFigures]:
    figures = []
    for group in groups:
        warm = [s for s in group.warm if s.duration_ms is not None]
        total_billed = sum(billed_ms(s) for s in warm)
        for label, _, _ in BUCKETS:
            mine = [s for s in warm if bucket_of(s.rows) == label]
            if not mine:
                continue
            rows = sum(s.rows for s in mine) / len(mine)
            p50 = percentile(sorted(s.duration_ms or 0.0 for s in mine), 50)
            billed = [billed_ms(s) for s in mine]
            cost = cost_per_million(prices, group.architecture, group.memory_mb,
                                    sum(billed) / len(billed), None, 0.0, rows,
                                    monthly_invocations) if group.memory_mb else None
            figures.append(BucketFigures(
                function=group.key, bucket=label, n=len(mine), mean_rows=rows, p50_ms=p50,
                p50_us_per_row=p50 * 1000.0 / rows,
                billed_share=sum(billed) / total_billed if total_billed else 0.0,
                cost_per_million_predictions=cost.per_million_predictions if cost else None))
    return figures


def bucket_lines(figures: list[BucketFigures]) -> list[str]:
    """The console table: one row per function and bucket."""
    if not figures:
        return []
    lines = ["Warm durations by batch size (rows per request); billed share = the bucket's part "
             "of the function's warm billed time (its duration cost); $/1M pred = if every "
             "request were of that size, warm:",
             f"{'function':<18}  {'batch':<14}  {'n':>5}  {'rows':>7}  {'p50 ms':>8}  "
             f"{'µs/row':>8}  {'billed share':>12}  {'$/1M pred':>9}"]
    for f in figures:
        cost = f"{f.cost_per_million_predictions:.4g}" \
            if f.cost_per_million_predictions is not None else "-"
        lines.append(f"{f.function:<18}  {f.bucket:<14}  {f.n:>5}  {f.mean_rows:>7.1f}  "
                     f"{f.p50_ms:>8.2f}  {f.p50_us_per_row:>8.1f}  {f.billed_share:>12.1%}  "
                     f"{cost:>9}")
    return lines
