"""Summaries of durations and ratios between two sets of samples, with honest uncertainty.

A difference is *meaningful* only when it is both statistically significant (the bootstrap
confidence interval of the ratio excludes 1) and practically significant (at least
`min_effect` apart, default 5%): a 0.6% difference at n = 2000 is real and irrelevant.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

# Below 100 samples the 99th percentile is an interpolation between the largest values, not
# an estimate of a tail: it is left out and marked instead.
MIN_P99_SAMPLES = 100
DEFAULT_MIN_EFFECT = 0.05


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    p50: float
    p90: float
    p99: float | None  # None: fewer than MIN_P99_SAMPLES samples
    min: float
    max: float

    def as_dict(self) -> dict[str, float | None]:
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
        p99=percentile(ordered, 99) if len(ordered) >= MIN_P99_SAMPLES else None,
        min=ordered[0],
        max=ordered[-1],
    )


@dataclass(frozen=True)
class RatioEstimate:
    """numerator / denominator of a statistic (median duration, mean cost); below 1 means the
    numerator is smaller."""

    ratio: float
    low: float
    high: float
    confidence: float
    resamples: int

    @property
    def significant(self) -> bool:
        return not self.low <= 1.0 <= self.high

    @property
    def effect(self) -> float:
        """How much larger the larger side is: 0.10 means 1.10×, whichever way."""
        if self.ratio <= 0 or math.isinf(self.ratio):
            return math.inf
        return max(self.ratio, 1 / self.ratio) - 1

    def meaningful(self, min_effect: float) -> bool:
        return self.significant and self.effect >= min_effect

    def why_not_meaningful(self, min_effect: float) -> str:
        if not self.significant:
            return f"its {self.confidence:.0%} CI {self.low:.3f}–{self.high:.3f} includes 1"
        return f"{self.effect:.1%} apart, below the --min-effect of {min_effect:.0%}"

    def verdict(self, min_effect: float = DEFAULT_MIN_EFFECT, numerator: str = "arm64",
                denominator: str = "x86_64") -> str:
        ratio = (f"{numerator}/{denominator} median ratio {self.ratio:.3f}, "
                 f"{self.confidence:.0%} CI {self.low:.3f}–{self.high:.3f}")
        if not self.meaningful(min_effect):
            return f"no meaningful difference ({ratio}; {self.why_not_meaningful(min_effect)})"
        better = numerator if self.ratio < 1 else denominator
        return f"{better} is faster: {1 + self.effect:.2f}× ({ratio})"

    def as_dict(self, min_effect: float) -> dict[str, float | bool]:
        return {"ratio": self.ratio, "ci_low": self.low, "ci_high": self.high,
                "confidence": self.confidence, "significant": self.significant,
                "effect": self.effect, "min_effect": min_effect,
                "meaningful": self.meaningful(min_effect)}


def bootstrap_ratio(numerator: Sequence[float], denominator: Sequence[float],
                    statistic: Callable[[list[float]], float],
                    denominator_statistic: Callable[[list[float]], float] | None = None,
                    resamples: int = 2000, confidence: float = 0.95, seed: int = 20261124
                    ) -> RatioEstimate | None:
    """Percentile bootstrap of statistic(numerator) / denominator_statistic(denominator)
    (the same statistic unless given); a fixed seed keeps reports reproducible."""
    if not numerator or not denominator:
        return None
    rng = random.Random(seed)
    top, bottom = list(numerator), list(denominator)
    below = denominator_statistic or statistic
    point = _divide(statistic(top), below(bottom))
    ratios = sorted(_divide(statistic(rng.choices(top, k=len(top))),
                            below(rng.choices(bottom, k=len(bottom))))
                    for _ in range(resamples))
    tail = (1 - confidence) / 2 * 100
    return RatioEstimate(point, percentile(ratios, tail), percentile(ratios, 100 - tail),
                         confidence, resamples)


def median_ratio_ci(numerator: Sequence[float], denominator: Sequence[float],
                    resamples: int = 2000, confidence: float = 0.95,
                    seed: int = 20261124) -> RatioEstimate | None:
    """The ratio of medians, bootstrapped."""
    return bootstrap_ratio(numerator, denominator, _median, None, resamples, confidence, seed)


def _median(values: list[float]) -> float:
    return percentile(sorted(values), 50)


def _divide(a: float, b: float) -> float:
    return a / b if b > 0 else math.inf
