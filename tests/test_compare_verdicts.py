"""What the compare tool concludes: no verdict from one machine or emulation, no negative
savings, the pick within noise said so, p99 only from enough samples."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lambda_compare.groups import check_consistency, summarize_groups
from lambda_compare.pricing import Prices
from lambda_compare.provenance import verdict_blocker
from lambda_compare.results import console_report, results_document
from lambda_compare.samples import Sample
from lambda_compare.stats import MIN_P99_SAMPLES, summarize
from lambda_compare.verdicts import compare_architectures, recommend

PRICES = Prices.load("us-east-1")
NEGATIVE_PERCENT = re.compile(r"-\d+(\.\d+)?%")


def sample(arch: str, duration: float, billed: float, memory: int = 512,
           init: float | None = None, phase: str = "warm", forced: bool = False) -> Sample:
    return Sample(architecture=arch, function=arch, memory_mb=memory, phase=phase, outcome="ok",
                  client_ms=duration + 1, source="report", duration_ms=duration,
                  billed_duration_ms=billed, init_duration_ms=init, max_memory_used_mb=30,
                  forced_cold=forced, probabilities=[0.1, 0.9], labels=["benign"])


def noisy(arch: str, centre: float, n: int, seed: int, memory: int = 512,
          spread: float = 0.02) -> list[Sample]:
    rng = np.random.default_rng(seed)
    return [sample(arch, float(d), float(np.ceil(d)), memory)
            for d in rng.normal(centre, spread * centre, n)]


# 3. No verdict from noise, nor from one machine.

@pytest.mark.parametrize("functions, host, expected", [
    ({"arm64": {"declared_architecture": "arm64", "ran_on": "x86_64"},
      "x86_64": {"declared_architecture": "x86_64", "ran_on": "x86_64"}}, None,
     "both functions ran on one x86_64 machine"),
    ({"arm64": {"declared_architecture": "arm64", "ran_on": "aarch64"},
      "x86_64": {"declared_architecture": "x86_64", "ran_on": "x86_64"}}, "x86_64",
     "arm64 ran emulated (aarch64 under qemu"),
    ({"arm64": {"declared_architecture": "arm64", "ran_on": "aarch64", "emulated": True},
      "x86_64": {"declared_architecture": "x86_64", "ran_on": "x86_64"}}, None,
     "arm64 ran emulated"),
    ({"arm64": {"declared_architecture": "arm64", "ran_on": "aarch64"},
      "x86_64": {"declared_architecture": "x86_64", "ran_on": "x86_64"}}, None, None),
])
def test_architecture_verdict_needs_each_function_on_its_own_hardware(functions, host,
                                                                        expected) -> None:
    reason = verdict_blocker(functions, host)
    assert (reason is None) if expected is None else (reason is not None and expected in reason)


def document_for(samples: list[Sample], no_verdict: str | None = None,
                 min_effect: float = 0.05) -> tuple[dict, list]:
    groups = summarize_groups(samples, PRICES, 0.0, 1e6)
    document = results_document(
        settings={"rows_per_invocation": 1, "targets": []},
        provenance={"functions": {}, "no_verdict_reason": no_verdict}, groups=groups,
        comparison=compare_architectures(groups, min_effect, no_verdict),
        recommendation=recommend(groups, PRICES, 1e6, min_effect, no_verdict),
        consistency=check_consistency(samples), samples=samples, prices=PRICES,
        timing_note=None, partial=False, notes=[])
    return document, groups


def test_one_machine_gives_no_faster_line_and_no_recommendation() -> None:
    samples = noisy("arm64", 0.8, 300, 1) + noisy("x86_64", 1.0, 300, 2)
    document, groups = document_for(samples, no_verdict="both functions ran on one x86_64 "
                                                        "machine")
    text = console_report(document, groups)
    assert "is faster" not in text and "Recommendation (" not in text
    assert "no architecture verdict: both functions ran on one x86_64 machine" in text
    assert document["recommendation"]["verdict_kind"] == "no_verdict"
    assert document["comparison"]["512"]["verdict_kind"] == "no_verdict"


# 4. No negative savings; say when the pick is within noise.

def test_a_dearer_balanced_pick_is_called_dearer_never_a_negative_saving() -> None:
    # x86_64 @ 1024 MB: half the duration of arm64 @ 512 MB, so the same GB-seconds at
    # x86_64's higher price: 1.5% dearer, 2x faster.
    samples = noisy("arm64", 1.6, 300, 3) + noisy("x86_64", 0.8, 300, 4, memory=1024)
    document, groups = document_for(samples)
    text = console_report(document, groups)
    assert not NEGATIVE_PERCENT.search(text), text
    balanced = document["recommendation"]["balanced"]
    assert balanced["architecture"] == "x86_64"
    assert balanced["cost"]["better"] is False and balanced["cost"]["by"] > 0
    assert re.search(r"Recommendation \(balanced\): .*dearer", text)


def test_a_cost_difference_below_the_threshold_is_within_noise() -> None:
    samples = noisy("arm64", 1.0, 300, 5) + noisy("x86_64", 1.0, 300, 6)
    document, groups = document_for(samples)
    cheapest = document["recommendation"]["cheapest"]
    assert cheapest["architecture"] == "arm64" and cheapest["cost"]["meaningful"] is False
    text = console_report(document, groups)
    assert "Recommendation (cheapest): no meaningful difference in cost" in text
    assert "either will do" in text


def test_p99_needs_enough_samples_and_says_how_many() -> None:
    few, enough = summarize([1.0] * (MIN_P99_SAMPLES - 1)), summarize([1.0] * MIN_P99_SAMPLES)
    assert few is not None and few.p99 is None
    assert enough is not None and enough.p99 == 1.0
    document, groups = document_for(noisy("arm64", 1.0, 50, 7) + noisy("x86_64", 1.0, 50, 8))
    text = console_report(document, groups)
    assert f"n<{MIN_P99_SAMPLES}" in text and f"from {MIN_P99_SAMPLES} warm samples" in text
