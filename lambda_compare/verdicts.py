"""What the figures say: per memory size, whether one architecture is faster, and which
function to pick.

A verdict needs a difference that is statistically and practically significant
(`stats.RatioEstimate.meaningful`). There is no architecture verdict at all when the two
functions did not run on their own architectures' hardware (one host for both, or one
emulated): then the differences are the host's noise, not arm64 against x86_64. Savings are
never negative: the other function is named as the dearer or slower one instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .groups import Group, billed_ms, warm_durations
from .pricing import Prices, cost_per_million
from .samples import Sample
from .stats import RatioEstimate, bootstrap_ratio, median_ratio_ci
from .targets import ARM64, X86_64


def compare_architectures(groups: list[Group], min_effect: float,
                          no_verdict: str | None) -> dict[int, dict[str, Any]]:
    """Per memory size, the arm64/x86_64 ratio of warm median durations, with its CI."""
    result: dict[int, dict[str, Any]] = {}
    for memory in sorted({g.memory_mb for g in groups}):
        by_arch = {g.architecture: g for g in groups if g.memory_mb == memory}

        def warm(arch: str, by_arch: dict[str, Group] = by_arch) -> list[Sample]:
            return by_arch[arch].warm if arch in by_arch else []

        duration = median_ratio_ci(warm_durations(warm(ARM64)), warm_durations(warm(X86_64)))
        billed = median_ratio_ci([billed_ms(s) for s in warm(ARM64)],
                                 [billed_ms(s) for s in warm(X86_64)])
        costs = {a: g.cost.per_million_predictions for a, g in by_arch.items() if g.cost}
        if no_verdict:
            kind, winner, verdict = "no_verdict", None, f"no architecture verdict: {no_verdict}"
        elif duration is None:
            kind, winner, verdict = "no_verdict", None, "not measured on both architectures"
        elif duration.meaningful(min_effect):
            kind = "faster"
            winner = ARM64 if duration.ratio < 1 else X86_64
            verdict = duration.verdict(min_effect)
        else:
            kind, winner, verdict = "no_meaningful_difference", None, duration.verdict(min_effect)
        result[memory] = {
            "verdict": verdict, "verdict_kind": kind, "faster": winner,
            "duration_ratio": duration.as_dict(min_effect) if duration else None,
            "billed_ratio": billed.as_dict(min_effect) if billed else None,
            "cost_ratio": (costs[ARM64] / costs[X86_64]
                           if {ARM64, X86_64} <= set(costs) else None),
        }
    return result


def recommend(groups: list[Group], prices: Prices, monthly_invocations: float,
              min_effect: float, no_verdict: str | None) -> dict[str, Any]:
    """Cheapest, fastest and balanced picks, each against the best of the other architecture."""
    if no_verdict:
        return {"verdict_kind": "no_verdict", "reason": no_verdict}
    candidates = [g for g in groups if g.measured and g.cost]
    if not candidates or len({g.architecture for g in candidates}) < 2:
        return {"verdict_kind": "no_verdict", "reason": "not measured on both architectures"}

    def cost(g: Group) -> float:
        return g.cost.per_million_predictions if g.cost else float("inf")

    def p50(g: Group) -> float:
        return g.warm_duration.p50 if g.warm_duration else float("inf")

    cheapest_cost, fastest_p50 = min(map(cost, candidates)), min(map(p50, candidates))

    def balanced(g: Group) -> float:
        return (cost(g) / cheapest_cost) * (p50(g) / max(fastest_p50, 1e-9))

    def speed(a: Group, b: Group) -> RatioEstimate | None:
        return median_ratio_ci(warm_durations(a.warm), warm_durations(b.warm))

    def price(a: Group, b: Group) -> RatioEstimate | None:
        return bootstrap_ratio([billed_ms(s) for s in a.warm], [billed_ms(s) for s in b.warm],
                               _cost_statistic(a, prices, monthly_invocations),
                               _cost_statistic(b, prices, monthly_invocations))

    result: dict[str, Any] = {"verdict_kind": "recommendation", "min_effect": min_effect}
    for goal, key in (("cheapest", cost), ("fastest", p50), ("balanced", balanced)):
        pick = min(candidates, key=key)
        rival = min((g for g in candidates if g.architecture != pick.architecture), key=key)
        entry: dict[str, Any] = {"architecture": pick.architecture, "memory_mb": pick.memory_mb,
                                 "cost_per_million_predictions": cost(pick),
                                 "warm_p50_ms": p50(pick), "versus": rival.key}
        for aspect, estimate in (("cost", price(pick, rival)), ("speed", speed(pick, rival))):
            if estimate is None:
                continue
            entry[aspect] = {
                "ratio": estimate.ratio,
                "better": estimate.ratio <= 1,  # pick's cost or duration below the rival's
                "by": abs(1 - estimate.ratio) if estimate.ratio <= 1 else estimate.ratio - 1,
                "meaningful": estimate.meaningful(min_effect),
                "why_not": (None if estimate.meaningful(min_effect)
                            else estimate.why_not_meaningful(min_effect)),
            }
        result[goal] = entry
    return result


def _cost_statistic(group: Group, prices: Prices, monthly_invocations: float
                    ) -> Callable[[list[float]], float]:
    """Cost per 1M predictions as a function of the warm billed durations (cold part fixed)."""
    cold = group.cold_billed.mean if group.cold_billed else None

    def statistic(warm_billed: list[float]) -> float:
        return cost_per_million(prices, group.architecture, group.memory_mb,
                                sum(warm_billed) / len(warm_billed), cold,
                                group.cold_rate_used, group.rows,
                                monthly_invocations).per_million_predictions

    return statistic
