"""From samples to figures, per function and memory size.

Warm statistics use only warm samples. Every invocation that ran INIT or a SnapStart restore,
forced or not, is a cold start: summarised apart, and its billed figure prices cold starts at
the chosen rate. The observed rate counts the cold starts that happened on their own among the
invocations that were not forced cold.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from artifact_contract import ABSOLUTE_TOLERANCE

from .pricing import Cost, Prices, cost_per_million
from .samples import OUTCOMES, Sample
from .stats import Summary, summarize

# Both architectures answer the same payload: probabilities compared as the parity check does.
PROBABILITY_TOLERANCE = ABSOLUTE_TOLERANCE


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
    natural_cold_samples: int
    unforced_samples: int
    observed_cold_rate: float
    cold_rate_used: float
    max_memory_used_mb: int | None
    rows: float  # mean predictions per invocation
    cost: Cost | None
    errors: list[str] = field(default_factory=list)
    # The samples behind the figures, split once here for the verdicts and the chart.
    warm: list[Sample] = field(default_factory=list, repr=False)
    cold: list[Sample] = field(default_factory=list, repr=False)
    cpus: int | None = None  # what the function said it may use at this memory (describe)

    @property
    def key(self) -> str:
        return f"{self.architecture} @ {self.memory_mb or '?'} MB"

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
    warm = [s for s in ok if s.warm]
    cold = [s for s in ok if s.cold]
    unforced = [s for s in ok if not s.forced_cold]
    natural_cold = [s for s in unforced if s.cold]
    observed = len(natural_cold) / len(unforced) if unforced else 0.0
    rate = observed if cold_start_rate is None else cold_start_rate
    source = "report" if ok and all(s.source == "report" for s in ok) else "client"
    warm_billed = [billed_ms(s) for s in warm]
    cold_billed = [billed_ms(s) for s in cold]
    # Predictions per invocation: of the warm samples, which cover a replayed mix in full; of
    # every invocation read from logs (real traffic: its cold ones served requests too).
    counted = ok if ok and all(s.source == "logs" for s in ok) else (warm or samples)
    rows = sum(s.rows for s in counted) / len(counted) if counted else 1.0
    rows = rows or 1.0  # only describe requests (no prediction): priced per request
    cost = None
    if warm_billed and memory_mb:  # memory unknown: no GetFunction and no REPORT
        cost = cost_per_million(prices, architecture, memory_mb,
                                sum(warm_billed) / len(warm_billed),
                                sum(cold_billed) / len(cold_billed) if cold_billed else None,
                                rate, rows, monthly_invocations)
    memory_used = [s.max_memory_used_mb for s in ok if s.max_memory_used_mb is not None]
    return Group(
        architecture=architecture, memory_mb=memory_mb,
        counts={outcome: counts.get(outcome, 0) for outcome in OUTCOMES},
        retries=sum(s.retries for s in samples), source=source,
        warm_duration=summarize(warm_durations(warm)),
        warm_billed=summarize(warm_billed), warm_client=summarize([s.client_ms for s in warm]),
        cold_init=summarize([s.startup_ms for s in cold if s.startup_ms is not None]),
        cold_billed=summarize(cold_billed), cold_samples=len(cold),
        natural_cold_samples=len(natural_cold), unforced_samples=len(unforced),
        observed_cold_rate=observed, cold_rate_used=rate if cold_billed else 0.0,
        max_memory_used_mb=max(memory_used) if memory_used else None,
        rows=rows, cost=cost,
        errors=sorted({s.error for s in samples if s.error})[:5],
        warm=warm, cold=cold,
    )


def warm_durations(warm: list[Sample]) -> list[float]:
    """The durations of warm samples that have one (client timing may lack a REPORT)."""
    return [s.duration_ms for s in warm if s.duration_ms is not None]


def billed_ms(sample: Sample) -> float:
    billed = sample.billed_ms
    if billed is not None:
        return billed
    # Client timing only: round up like Lambda would (this includes the network).
    return float(max(1, math.ceil(sample.duration_ms or sample.client_ms)))


def check_consistency(samples: list[Sample]) -> Consistency:
    """Every answer against the other architecture's first answer to the same request (the
    one payload, or the same line of a replayed mix)."""
    reference: dict[tuple[str, int | None], Sample] = {}
    for sample in samples:
        if sample.ok and sample.probabilities is not None:
            reference.setdefault((sample.architecture, sample.request), sample)
    architectures = {a for a, _ in reference}
    compared = mismatches = labels = 0
    worst = 0.0
    for sample in samples:
        if not sample.ok or sample.probabilities is None:
            continue
        other = next((reference[(a, sample.request)] for a in architectures
                      if a != sample.architecture and (a, sample.request) in reference), None)
        if other is None:
            continue
        compared += 1
        if len(sample.probabilities) != len(other.probabilities or []):
            mismatches += 1
            continue
        pairs = zip(sample.probabilities, other.probabilities or [], strict=True)
        diff = max((abs(a - b) for a, b in pairs), default=0.0)
        worst = max(worst, diff)
        label_differs = sample.labels != other.labels
        labels += int(label_differs)
        if diff > PROBABILITY_TOLERANCE or label_differs:
            mismatches += 1
    return Consistency(compared, mismatches, worst, labels)
