"""From samples to figures: per function and memory size, the comparison, the recommendation.

Warm statistics use only warm samples; every invocation that ran INIT (forced or not) is a
cold start, summarised apart and priced at the chosen cold-start rate.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .pricing import Cost, Prices, cost_per_million
from .samples import OUTCOMES, Sample
from .stats import RatioEstimate, Summary, median_ratio_ci, summarize

PROBABILITY_TOLERANCE = 1e-6


@dataclass
class Group:
    architecture: str
    memory_mb: int
    counts: dict[str, int]
    retries: int
    source: str
    warm_duration: Summary | None
    warm_billed: Summary | None
    warm_client: Summary | None
    cold_init: Summary | None
    cold_billed: Summary | None
    cold_samples: int
    observed_cold_rate: float
    cold_rate_used: float
    max_memory_used_mb: int | None
    rows: int
    cost: Cost | None
    errors: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.architecture} @ {self.memory_mb} MB"

    @property
    def measured(self) -> bool:
        return self.warm_duration is not None


@dataclass
class Consistency:
    compared: int
    mismatches: int
    max_abs_diff: float
    label_differences: int


def summarize_groups(samples: list[Sample], prices: Prices, cold_start_rate: float | None,
                     monthly_invocations: float) -> list[Group]:
    keys = sorted({(s.architecture, s.memory_mb) for s in samples})
    return [_group(arch, memory, [s for s in samples
                                  if (s.architecture, s.memory_mb) == (arch, memory)],
                   prices, cold_start_rate, monthly_invocations) for arch, memory in keys]


def _group(architecture: str, memory_mb: int, samples: list[Sample], prices: Prices,
           cold_start_rate: float | None, monthly_invocations: float) -> Group:
    counts = Counter(s.outcome for s in samples)
    ok = [s for s in samples if s.ok]
    warm = [s for s in ok if s.phase == "warm"]
    cold = [s for s in ok if s.phase == "cold" and s.init_duration_ms is not None]
    natural = [s for s in ok if s.phase in ("warm", "warmup")]
    natural_cold = [s for s in natural if s.init_duration_ms is not None]
    observed = len(natural_cold) / len(natural) if natural else 0.0
    rate = observed if cold_start_rate is None else cold_start_rate
    source = "report" if ok and all(s.source == "report" for s in ok) else "client"
    warm_billed = [_billed(s) for s in warm]
    cold_billed = [_billed(s) for s in cold]
    rows = samples[0].rows if samples else 1
    cost = None
    if warm_billed:
        cost = cost_per_million(prices, architecture, memory_mb,
                                sum(warm_billed) / len(warm_billed),
                                sum(cold_billed) / len(cold_billed) if cold_billed else None,
                                rate, rows, monthly_invocations)
    memory_used = [s.max_memory_used_mb for s in ok if s.max_memory_used_mb is not None]
    return Group(
        architecture=architecture, memory_mb=memory_mb,
        counts={outcome: counts.get(outcome, 0) for outcome in OUTCOMES},
        retries=sum(s.retries for s in samples), source=source,
        warm_duration=summarize([s.duration_ms for s in warm if s.duration_ms is not None]),
        warm_billed=summarize(warm_billed), warm_client=summarize([s.client_ms for s in warm]),
        cold_init=summarize([s.init_duration_ms for s in cold]),
        cold_billed=summarize(cold_billed), cold_samples=len(cold),
        observed_cold_rate=observed, cold_rate_used=rate if cold_billed else 0.0,
        max_memory_used_mb=max(memory_used) if memory_used else None,
        rows=rows, cost=cost,
        errors=sorted({s.error for s in samples if s.error})[:5],
    )


def _billed(sample: Sample) -> float:
    if sample.billed_duration_ms is not None:
        return sample.billed_duration_ms
    # Client timing only: round up like Lambda would (this includes the network).
    return float(max(1, math.ceil(sample.duration_ms or sample.client_ms)))


def compare_architectures(samples: list[Sample], groups: list[Group]
                          ) -> dict[int, dict[str, Any]]:
    """Per memory size, the arm64/x86_64 ratio of warm median durations, with its CI."""
    result: dict[int, dict[str, Any]] = {}
    for memory in sorted({g.memory_mb for g in groups}):
        def warm(arch: str, attribute: str) -> list[float]:
            return [getattr(s, attribute) for s in samples
                    if s.ok and s.phase == "warm" and s.architecture == arch
                    and s.memory_mb == memory and getattr(s, attribute) is not None]

        duration = median_ratio_ci(warm("arm64", "duration_ms"), warm("x86_64", "duration_ms"))
        billed = median_ratio_ci(warm("arm64", "billed_duration_ms"),
                                 warm("x86_64", "billed_duration_ms"))
        by_arch = {g.architecture: g for g in groups if g.memory_mb == memory}
        costs = {a: g.cost.per_million_predictions for a, g in by_arch.items() if g.cost}
        result[memory] = {
            "duration_ratio": _ratio_dict(duration),
            "billed_ratio": _ratio_dict(billed),
            "verdict": duration.verdict() if duration else "not measured on both",
            "cost_ratio": (costs["arm64"] / costs["x86_64"]
                           if {"arm64", "x86_64"} <= set(costs) else None),
        }
    return result


def _ratio_dict(estimate: RatioEstimate | None) -> dict[str, Any] | None:
    if estimate is None:
        return None
    return {"ratio": estimate.ratio, "ci_low": estimate.low, "ci_high": estimate.high,
            "confidence": estimate.confidence, "significant": estimate.significant}


def recommend(groups: list[Group]) -> dict[str, Any]:
    candidates = [g for g in groups if g.measured and g.cost]
    if not candidates:
        return {}
    cheapest_cost = min(g.cost.per_million_predictions for g in candidates)
    fastest_p50 = min(g.warm_duration.p50 for g in candidates)

    def balanced_score(g: Group) -> float:
        return (g.cost.per_million_predictions / cheapest_cost) * (g.warm_duration.p50
                                                                   / max(fastest_p50, 1e-9))

    picks = {
        "cheapest": min(candidates, key=lambda g: g.cost.per_million_predictions),
        "fastest": min(candidates, key=lambda g: g.warm_duration.p50),
        "balanced": min(candidates, key=balanced_score),
    }
    result = {}
    for goal, pick in picks.items():
        rivals = [g for g in candidates if g.architecture != pick.architecture]
        entry: dict[str, Any] = {"architecture": pick.architecture, "memory_mb": pick.memory_mb,
                                 "cost_per_million_predictions": pick.cost.per_million_predictions,
                                 "warm_p50_ms": pick.warm_duration.p50}
        if rivals:
            if goal == "fastest":
                rival = min(rivals, key=lambda g: g.warm_duration.p50)
                entry["versus"] = rival.key
                entry["faster_by"] = 1 - pick.warm_duration.p50 / rival.warm_duration.p50
            else:
                rival = min(rivals, key=lambda g: g.cost.per_million_predictions)
                entry["versus"] = rival.key
                entry["saving"] = 1 - (pick.cost.per_million_predictions
                                       / rival.cost.per_million_predictions)
        result[goal] = entry
    return result


def check_consistency(samples: list[Sample]) -> Consistency:
    """Every answer against the other architecture's first answer to the same payload."""
    reference: dict[str, Sample] = {}
    for sample in samples:
        if sample.ok and sample.probabilities is not None:
            reference.setdefault(sample.architecture, sample)
    compared = mismatches = labels = 0
    worst = 0.0
    if len(reference) < 2:
        return Consistency(0, 0, 0.0, 0)
    for sample in samples:
        if not sample.ok or sample.probabilities is None:
            continue
        other = next(r for a, r in reference.items() if a != sample.architecture)
        compared += 1
        if len(sample.probabilities) != len(other.probabilities or []):
            mismatches += 1
            continue
        diff = max((abs(a - b) for a, b in zip(sample.probabilities, other.probabilities)),
                   default=0.0)
        worst = max(worst, diff)
        label_differs = sample.labels != other.labels
        labels += int(label_differs)
        if diff > PROBABILITY_TOLERANCE or label_differs:
            mismatches += 1
    return Consistency(compared, mismatches, worst, labels)
