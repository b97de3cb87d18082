"""What the compare tool concludes: cold starts in the cost, no verdict from noise or from one
machine, no negative savings, p99 only from enough samples, restores never warm."""

from __future__ import annotations

import base64
import io
import json
import re

import boto3
import numpy as np
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from lambda_compare.invoke import Invoker
from lambda_compare.parse import parse_log, parse_platform_report, parse_report_line
from lambda_compare.pricing import Prices
from lambda_compare.provenance import verdict_blocker
from lambda_compare.report import console_report, results_document
from lambda_compare.samples import Sample
from lambda_compare.stats import MIN_P99_SAMPLES, median_ratio_ci, summarize
from lambda_compare.summary import check_consistency, summarize_groups
from lambda_compare.targets import Target
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


# 1. Cold starts that happen while measuring.

def test_a_natural_cold_start_in_the_warm_phase_is_priced_and_never_warm() -> None:
    samples = [sample("x86_64", 1.0, 2.0) for _ in range(99)]
    samples.append(sample("x86_64", 1.0, 366.0, init=364.0))  # as invoke.py leaves it
    (group,) = summarize_groups(samples, PRICES, None, 1e6)
    assert group.warm_duration.n == 99 and group.warm_billed.max == 2.0
    assert group.natural_cold_samples == 1 and group.observed_cold_rate == pytest.approx(0.01)
    assert group.cost.mean_billed_ms == pytest.approx(0.99 * 2.0 + 0.01 * 366.0)


def test_forced_cold_starts_set_the_cold_figure_but_not_the_observed_rate() -> None:
    samples = [sample("arm64", 1.0, 2.0) for _ in range(98)]
    samples += [sample("arm64", 1.0, 300.0, init=298.0, phase="cold", forced=True)]
    samples += [sample("arm64", 1.0, 400.0, init=398.0)]  # natural
    (group,) = summarize_groups(samples, PRICES, None, 1e6)
    assert group.cold_samples == 2 and group.cold_billed.mean == 350.0
    assert group.observed_cold_rate == pytest.approx(1 / 99)
    assert group.cost.mean_billed_ms == pytest.approx((98 * 2.0 + 350.0) / 99)


# 2. JSON and text REPORT formats, SnapStart restores.

TEXT_RESTORE = ("REPORT RequestId: 1d4c\tDuration: 5.10 ms\tBilled Duration: 6 ms\t"
                "Memory Size: 1024 MB\tMax Memory Used: 90 MB\tRestore Duration: 210.33 ms\t"
                "Billed Restore Duration: 244 ms\t")
JSON_RESTORE = {"type": "platform.report", "record": {
    "requestId": "1d4c", "metrics": {"durationMs": 5.10, "billedDurationMs": 6,
                                     "memorySizeMB": 1024, "maxMemoryUsedMB": 90,
                                     "restoreDurationMs": 210.33,
                                     "billedRestoreDurationMs": 244}}}
TEXT_INIT = ("REPORT RequestId: 6d1b\tDuration: 1.53 ms\tBilled Duration: 213 ms\t"
             "Memory Size: 512 MB\tMax Memory Used: 41 MB\tInit Duration: 210.70 ms\t")
JSON_INIT = {"type": "platform.report", "record": {
    "requestId": "6d1b", "metrics": {"durationMs": 1.53, "billedDurationMs": 213,
                                     "memorySizeMB": 512, "maxMemoryUsedMB": 41,
                                     "initDurationMs": 210.7}}}


@pytest.mark.parametrize("text, record", [(TEXT_RESTORE, JSON_RESTORE), (TEXT_INIT, JSON_INIT)])
def test_text_and_json_reports_give_the_same_figures(text, record) -> None:
    from_text = parse_report_line(text)
    from_json = parse_platform_report(record)
    assert from_text.__dict__ | {"status": None} == from_json.__dict__ | {"status": None}
    assert parse_log(json.dumps(record)) == from_json


def test_a_snapstart_restore_is_cold_billed_with_its_restore_and_never_warm() -> None:
    lam = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="a",
                       aws_secret_access_key="b")
    answer = json.dumps({"predictions": [{"label": "benign", "probabilities": {
        "malignant": 0.1, "benign": 0.9}}]}).encode()
    with Stubber(lam) as stub:
        for log in (TEXT_RESTORE, json.dumps(JSON_RESTORE)):
            stub.add_response("invoke", {"StatusCode": 200,
                                         "LogResult": base64.b64encode(log.encode()).decode(),
                                         "Payload": StreamingBody(io.BytesIO(answer),
                                                                  len(answer))})
        invoker = Invoker(lam, b"{}", 1)
        restored = [invoker.invoke(Target("arm64", "f"), 1024, "warm") for _ in range(2)]
    for each in restored:
        assert each.cold and not each.warm and each.billed_ms == 6 + 244
    warm = [sample("arm64", 5.0, 6.0, memory=1024) for _ in range(8)]
    (group,) = summarize_groups(warm + restored, PRICES, None, 1e6)
    assert group.warm_duration.n == 8 and group.cold_samples == 2
    assert group.cold_billed.mean == 250.0 and group.observed_cold_rate == pytest.approx(0.2)


# 3. No verdict from noise, nor from one machine.

def test_a_significant_but_tiny_difference_is_no_meaningful_difference() -> None:
    rng = np.random.default_rng(4)
    arm = rng.normal(0.994, 0.01, 2000).tolist()
    x86 = rng.normal(1.0, 0.01, 2000).tolist()
    estimate = median_ratio_ci(arm, x86)
    assert estimate.significant  # real, and 0.6%: not worth a verdict
    assert estimate.verdict().startswith("no meaningful difference")
    assert "is faster" not in estimate.verdict()


def test_a_large_significant_difference_is_a_verdict() -> None:
    rng = np.random.default_rng(5)
    estimate = median_ratio_ci(rng.normal(0.8, 0.02, 300).tolist(),
                               rng.normal(1.0, 0.02, 300).tolist())
    assert estimate.verdict().startswith("arm64 is faster: 1.25×")


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
    assert (reason is None) if expected is None else expected in reason


def document_for(samples: list[Sample], no_verdict: str | None = None,
                 min_effect: float = 0.05) -> tuple[dict, list]:
    groups = summarize_groups(samples, PRICES, 0.0, 1e6)
    document = results_document(
        settings={"rows_per_invocation": 1, "targets": []},
        provenance={"functions": {}, "no_verdict_reason": no_verdict}, groups=groups,
        comparison=compare_architectures(samples, groups, min_effect, no_verdict),
        recommendation=recommend(groups, samples, PRICES, 1e6, min_effect, no_verdict),
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
    assert summarize([1.0] * (MIN_P99_SAMPLES - 1)).p99 is None
    assert summarize([1.0] * MIN_P99_SAMPLES).p99 == 1.0
    document, groups = document_for(noisy("arm64", 1.0, 50, 7) + noisy("x86_64", 1.0, 50, 8))
    text = console_report(document, groups)
    assert f"n<{MIN_P99_SAMPLES}" in text and f"from {MIN_P99_SAMPLES} warm samples" in text
