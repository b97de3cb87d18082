"""Summaries of durations and the arm64/x86_64 comparison, with honest uncertainty."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    p50: float
    p90: float
    p99: float
    min: float
    max: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), on sorted input."""
    if not sorted_values:
        raise ValueError("percentile of nothing")
    position = (len(sorted_values) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    weight = position - low
    return sorted_values[low] * (1 - weight) + sorted_values[high] * weight


def summarize(values: Sequence[float]) -> Summary | None:
    if not values:
        return None
    ordered = sorted(values)
    return Summary(
        n=len(ordered),
        mean=sum(ordered) / len(ordered),
        p50=percentile(ordered, 50),
        p90=percentile(ordered, 90),
        p99=percentile(ordered, 99),
        min=ordered[0],
        max=ordered[-1],
    )


@dataclass(frozen=True)
class RatioEstimate:
    """arm64 median / x86_64 median; below 1 means arm64 is faster."""

    ratio: float
    low: float
    high: float
    confidence: float
    resamples: int

    @property
    def significant(self) -> bool:
        return not self.low <= 1.0 <= self.high

    def verdict(self, numerator: str = "arm64", denominator: str = "x86_64") -> str:
        if not self.significant:
            return (f"no significant difference ({numerator}/{denominator} median ratio "
                    f"{self.ratio:.3f}, {self.confidence:.0%} CI {self.low:.3f}–{self.high:.3f} "
                    "includes 1)")
        faster = numerator if self.ratio < 1 else denominator
        factor = 1 / self.ratio if self.ratio < 1 else self.ratio
        return (f"{faster} is faster: {numerator}/{denominator} median ratio {self.ratio:.3f} "
                f"({factor:.2f}×), {self.confidence:.0%} CI {self.low:.3f}–{self.high:.3f}")


def median_ratio_ci(numerator: Sequence[float], denominator: Sequence[float],
                    resamples: int = 2000, confidence: float = 0.95,
                    seed: int = 20261124) -> RatioEstimate | None:
    """Percentile bootstrap of the ratio of medians; a fixed seed keeps reports reproducible."""
    if not numerator or not denominator:
        return None
    rng = random.Random(seed)
    top, bottom = list(numerator), list(denominator)
    point = _median(top) / _median(bottom)
    ratios = []
    for _ in range(resamples):
        a = _median(rng.choices(top, k=len(top)))
        b = _median(rng.choices(bottom, k=len(bottom)))
        ratios.append(a / b if b > 0 else math.inf)
    ratios.sort()
    tail = (1 - confidence) / 2 * 100
    return RatioEstimate(point, percentile(ratios, tail), percentile(ratios, 100 - tail),
                         confidence, resamples)


def _median(values: list[float]) -> float:
    return percentile(sorted(values), 50)
