"""Statistics and prices: pure functions, checked against numpy and by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lambda_compare.groups import check_consistency, summarize_groups
from lambda_compare.pricing import Prices, cost_per_million
from lambda_compare.samples import Sample
from lambda_compare.stats import median_ratio_ci, percentile, summarize

PRICES = Prices.load("us-east-1")


@pytest.mark.parametrize("q", [0, 1, 50, 90, 99, 100])
def test_percentiles_match_numpy(q: float) -> None:
    values = sorted(np.random.default_rng(3).lognormal(0, 1, 257).tolist())
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_summary_of_known_values() -> None:
    summary = summarize([4.0, 1.0, 3.0, 2.0])
    assert summary is not None
    assert (summary.n, summary.mean, summary.p50, summary.min, summary.max) == (4, 2.5, 2.5,
                                                                                  1.0, 4.0)
    assert summarize([]) is None


def test_clearly_different_medians_are_significant() -> None:
    rng = np.random.default_rng(1)
    fast, slow = rng.normal(10, 0.5, 200).tolist(), rng.normal(12, 0.5, 200).tolist()
    estimate = median_ratio_ci(fast, slow)
    assert estimate is not None
    assert estimate.significant and estimate.low < estimate.ratio < estimate.high < 1
    assert "arm64 is faster" in estimate.verdict()


def test_same_distribution_is_not_significant() -> None:
    rng = np.random.default_rng(2)
    estimate = median_ratio_ci(rng.normal(10, 1, 300).tolist(), rng.normal(10, 1, 300).tolist())
    assert estimate is not None
    assert not estimate.significant and "no meaningful difference" in estimate.verdict()
    assert "includes 1" in estimate.verdict()


def test_cost_of_a_warm_2ms_512mb_invocation_by_hand() -> None:
    # arm64: 0.5 GB x 0.002 s = 0.001 GB-s; 1M of them = 1000 GB-s x $0.0000133334 = $0.0133334
    arm = cost_per_million(PRICES, "arm64", 512, 2.0, None, 0.0, rows_per_invocation=1)
    assert arm.duration_per_million == pytest.approx(0.0133334)
    assert arm.per_million_invocations == pytest.approx(0.2133334)
    assert arm.request_fee_share == pytest.approx(0.20 / 0.2133334)
    # x86_64: 1000 GB-s x $0.0000166667 = $0.0166667
    x86 = cost_per_million(PRICES, "x86_64", 512, 2.0, None, 0.0, rows_per_invocation=1)
    assert x86.per_million_invocations == pytest.approx(0.2166667)


def test_cold_starts_and_batching_enter_the_cost() -> None:
    # 1% cold at 400 ms billed, 99% warm at 2 ms: mean 5.98 ms at 1024 MB = 0.00598 GB-s.
    cost = cost_per_million(PRICES, "x86_64", 1024, 2.0, 400.0, 0.01, rows_per_invocation=100)
    assert cost.mean_billed_ms == pytest.approx(5.98)
    expected = 5980 * 0.0000166667 + 0.20
    assert cost.per_million_invocations == pytest.approx(expected)
    assert cost.per_million_predictions == pytest.approx(expected / 100)


def test_tiers_apply_to_monthly_volume() -> None:
    assert PRICES.duration_cost("arm64", 10e9) == pytest.approx(
        7.5e9 * 0.0000133334 + 2.5e9 * 0.0000120001)
    assert PRICES.duration_cost("x86_64", 20e9) == pytest.approx(
        6e9 * 0.0000166667 + 9e9 * 0.000015 + 5e9 * 0.0000133334)


def sample(arch: str, duration: float, billed: float, init: float | None = None,
           phase: str = "warm", probabilities=(0.1, 0.9), labels=("benign",)) -> Sample:
    return Sample(architecture=arch, function=arch, memory_mb=512, phase=phase, outcome="ok",
                  client_ms=duration + 1, source="report", duration_ms=duration,
                  billed_duration_ms=billed, init_duration_ms=init, max_memory_used_mb=30,
                  probabilities=list(probabilities), labels=list(labels))


def test_cold_samples_never_enter_warm_statistics_and_set_the_observed_rate() -> None:
    samples = [sample("arm64", 1.0, 2.0) for _ in range(9)]
    forced = sample("arm64", 1.0, 300.0, init=298.0, phase="cold")
    forced.forced_cold = True
    samples.append(forced)
    samples.append(sample("arm64", 1.0, 300.0, init=298.0, phase="warmup"))
    (group,) = summarize_groups(samples, PRICES, None, 1e6)
    assert group.warm_duration and group.warm_billed
    assert group.warm_duration.n == 9 and group.warm_billed.max == 2.0
    assert group.cold_samples == 2 and group.natural_cold_samples == 1
    assert group.observed_cold_rate == pytest.approx(1 / 10)


def test_recommendation_names_the_saving_against_the_other_architecture() -> None:
    samples = [sample("arm64", 1.0, 2.0) for _ in range(5)] + [
        sample("x86_64", 1.0, 2.0) for _ in range(5)]
    from lambda_compare.verdicts import recommend

    picks = recommend(summarize_groups(samples, PRICES, 0.0, 1e6), PRICES, 1e6, 0.0,
                      None)
    assert picks["cheapest"]["architecture"] == "arm64"
    assert picks["cheapest"]["cost"]["by"] == pytest.approx(1 - 0.2133334 / 0.2166667)
    assert picks["cheapest"]["cost"]["better"] is True


def test_a_different_answer_is_caught() -> None:
    same = [sample("arm64", 1, 2), sample("x86_64", 1, 2), sample("x86_64", 1, 2)]
    assert check_consistency(same).mismatches == 0
    off = [*same, sample("x86_64", 1, 2, probabilities=(0.1 + 2e-06, 0.9 - 2e-06))]
    result = check_consistency(off)
    assert result.mismatches == 1 and result.max_abs_diff == pytest.approx(2e-6)
    flipped = [*same, sample("arm64", 1, 2, labels=("malignant",))]
    assert check_consistency(flipped).label_differences == 1


def test_a_natural_cold_start_in_the_warm_phase_is_priced_and_never_warm() -> None:
    samples = [sample("x86_64", 1.0, 2.0) for _ in range(99)]
    samples.append(sample("x86_64", 1.0, 366.0, init=364.0))  # as invoke.py leaves it
    (group,) = summarize_groups(samples, PRICES, None, 1e6)
    assert group.warm_duration and group.warm_billed and group.cost
    assert group.warm_duration.n == 99 and group.warm_billed.max == 2.0
    assert group.observed_cold_rate == pytest.approx(0.01)
    assert group.cost.mean_billed_ms == pytest.approx(0.99 * 2.0 + 0.01 * 366.0)
    assert group.natural_cold_samples == 1


def test_forced_cold_starts_set_the_cold_figure_but_not_the_observed_rate() -> None:
    samples = [sample("arm64", 1.0, 2.0) for _ in range(98)]
    forced = sample("arm64", 1.0, 300.0, init=298.0, phase="cold")
    forced.forced_cold = True
    samples.append(forced)
    samples += [sample("arm64", 1.0, 400.0, init=398.0)]  # natural
    (group,) = summarize_groups(samples, PRICES, None, 1e6)
    assert group.observed_cold_rate == pytest.approx(1 / 99)
    assert group.cold_billed and group.cost
    assert group.cold_samples == 2 and group.cold_billed.mean == 350.0
    assert group.cost.mean_billed_ms == pytest.approx((98 * 2.0 + 350.0) / 99)


def test_a_significant_but_tiny_difference_is_no_meaningful_difference() -> None:
    rng = np.random.default_rng(4)
    arm = rng.normal(0.994, 0.01, 2000).tolist()
    x86 = rng.normal(1.0, 0.01, 2000).tolist()
    estimate = median_ratio_ci(arm, x86)
    assert estimate is not None
    assert estimate.significant  # real, and 0.6%: not worth a verdict
    assert estimate.verdict().startswith("no meaningful difference")
    assert "is faster" not in estimate.verdict()


def test_a_large_significant_difference_is_a_verdict() -> None:
    rng = np.random.default_rng(5)
    estimate = median_ratio_ci(rng.normal(0.8, 0.02, 300).tolist(),
                               rng.normal(1.0, 0.02, 300).tolist())
    assert estimate is not None
    assert estimate.verdict().startswith("arm64 is faster: 1.25×")
