"""The compare tool end to end against the local runtime: real boto3, real REPORT lines."""

from __future__ import annotations

import csv
import json
import os
import platform
import re

import pytest

from helpers import ARM_FUNCTION, ROOT, X86_FUNCTION
from lambda_compare.cli import main
from lambda_compare.configuration_guard import NONCE_VARIABLE
from local_lambda.cpus import lambda_cpus
from local_lambda.launcher import local_runtime

ARM, X86 = ARM_FUNCTION, X86_FUNCTION
TWINS = ROOT / "tests" / "fixtures" / "twin_fake" / "template.yaml"


@pytest.fixture(scope="module")
def app_runtime():
    with local_runtime(ROOT / "template.yaml", max_concurrency=4) as running:
        yield running


@pytest.fixture(scope="module")
def twins():
    with local_runtime(TWINS, max_concurrency=2) as running:
        yield running


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_full_run_measures_cold_and_warm_and_writes_every_output(app_runtime, tmp_path, capsys):
    out = tmp_path / "results"
    code, printed = run(capsys, "--endpoint-url", app_runtime.endpoint_url, "-n", "20",
                        "--warmup", "2", "--cold-starts", "2", "--concurrency", "2",
                        "--json", str(out / "r.json"), "--csv", str(out / "r.csv"),
                        "--chart", str(out / "r.png"))
    assert code == 0, printed
    document = json.loads((out / "r.json").read_text())
    assert document["partial"] is False and "REPORT" in document["timing"]
    assert document["settings"]["event"].endswith("events/event.json")  # the sample's flat event
    assert len(document["samples"]) == 2 * (2 + 2 + 20) + sum(
        g["natural_cold_samples"] for g in document["summary"])
    by_arch = {g["architecture"]: g for g in document["summary"]}
    for group in by_arch.values():
        # At concurrency 2 a second environment may start on its own: a natural cold start,
        # whose request is sent again, so -n 20 is 20 warm samples all the same.
        natural = group["natural_cold_samples"]
        assert group["warm_duration"]["n"] == 20
        assert group["cold_samples"] == 2 + natural
        assert group["cold_init"]["min"] > 0 and group["source"] == "report"
        assert group["cost"]["per_million_invocations"] > 0.20
        assert 0 < group["cost"]["request_fee_share"] < 1
    for arch, group in by_arch.items():  # warm statistics hold exactly the samples without INIT
        warm = [s for s in document["samples"] if s["architecture"] == arch
                and s["phase"] == "warm" and s["init_duration_ms"] is None]
        assert group["warm_duration"]["n"] == len(warm)
        assert all(s["cold"] == (s["init_duration_ms"] is not None)
                   for s in document["samples"])
    provenance = document["provenance"]
    assert provenance["functions"]["arm64"]["ran_on"] == platform.machine()
    assert provenance["like_for_like"] is True
    assert document["consistency"]["mismatches"] == 0
    assert document["consistency"]["compared"] == len(document["samples"])
    # Both functions ran on this one machine: no architecture verdict, said why, everywhere.
    assert "is faster" not in printed and "Recommendation (" not in printed
    assert "no architecture verdict: both functions ran on one" in printed
    assert document["recommendation"]["verdict_kind"] == "no_verdict"
    assert {c["verdict_kind"] for c in document["comparison"].values()} == {"no_verdict"}
    assert document["provenance"]["architecture_verdict"] is False
    assert printed.count("NOTE: arm64: declared arm64, ran on") == 1  # once, not twice
    assert "p50 ms  " in printed and "p90 ms  " in printed  # header columns apart
    assert (out / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with (out / "r.csv").open() as stream:
        assert len(list(csv.DictReader(stream))) == len(document["samples"])
    assert (out / "r-summary.csv").is_file()
    client = app_runtime.client()
    for name in (ARM, X86):
        config = client.get_function_configuration(FunctionName=name)
        assert NONCE_VARIABLE not in config["Environment"]["Variables"]
        assert config["MemorySize"] == 512


def test_batches_price_per_prediction_and_memory_sweep_restores(app_runtime, tmp_path, capsys):
    out = tmp_path / "b.json"
    code, printed = run(capsys, "--endpoint-url", app_runtime.endpoint_url, "-n", "5", "--warmup",
                  "1", "--batch-size", "50", "--memory", "1024,2048", "--json", str(out))
    assert code == 0
    document = json.loads(out.read_text())
    assert {(g["architecture"], g["memory_mb"]) for g in document["summary"]} == {
        ("arm64", 1024), ("arm64", 2048), ("x86_64", 1024), ("x86_64", 2048)}
    for group in document["summary"]:
        cost = group["cost"]
        assert group["rows"] == 50
        assert cost["per_million_predictions"] == pytest.approx(
            cost["per_million_invocations"] / 50)
    sizes = {s["memory_size_mb"] for s in document["samples"]}
    assert sizes == {1024, 2048}
    assert "NOTE: local runtime: each environment gets whole CPUs by Lambda's rule" in printed
    assert any("not Lambda's fractional share" in n for n in document["notes"])
    # Each function said, after each change, the CPUs Lambda's rule gives it here.
    expected = {memory: min(lambda_cpus(memory), len(os.sched_getaffinity(0)))
                for memory in (1024, 2048)}
    assert {(g["architecture"], g["memory_mb"]): g["cpus"] for g in document["summary"]} == {
        (arch, memory): cpus for arch in ("arm64", "x86_64") for memory, cpus in expected.items()}
    assert re.search(r"Memory sweep, arm64 \(warm p50; CPUs the function said it may use\): "
                     rf"1024 MB [\d.]+ ms \(1 CPU\) · 2048 MB [\d.]+ ms \({expected[2048]} CPUs?, "
                     r"[\d.]+× the 1024 MB speed\)", printed)
    assert "50 predictions per invocation" in printed
    assert app_runtime.client().get_function_configuration(FunctionName=ARM)["MemorySize"] == 512


def test_identical_twins_pass_strict(twins, capsys) -> None:
    code, printed = run(capsys, "--endpoint-url", twins.endpoint_url, "--arm64",
                        "FakeArm64Function", "--x86-64", "FakeX86Function", "-n", "5",
                        "--strict")
    assert code == 0, printed
    assert "Like for like" in printed


def test_twins_that_differ_are_flagged_and_refused_by_strict(twins, capsys, tmp_path) -> None:
    client = twins.client()
    client.update_function_configuration(
        FunctionName="FakeX86Function", Environment={"Variables": {"P_BENIGN": "0.8"}})
    try:
        args = ["--endpoint-url", twins.endpoint_url, "--arm64", "FakeArm64Function",
                "--x86-64", "FakeX86Function", "-n", "5"]
        code, printed = run(capsys, *args, "--strict")
        assert code == 2
        out = tmp_path / "diff.json"
        code, printed = run(capsys, *args, "--json", str(out))
        assert code == 0
        document = json.loads(out.read_text())
        warnings = document["provenance"]["warnings"]
        assert any("Environment.Variables.P_BENIGN" in w for w in warnings)
        assert "WARNING: configuration differs beyond architecture" in printed
        consistency = document["consistency"]
        assert consistency["mismatches"] > 0
        assert consistency["max_abs_diff"] == pytest.approx(0.1)
    finally:
        client.update_function_configuration(
            FunctionName="FakeX86Function", Environment={"Variables": {"P_BENIGN": "0.9"}})


def test_no_targets_is_a_clear_error(capsys, monkeypatch) -> None:
    monkeypatch.delenv("ARM64_FUNCTION", raising=False)
    monkeypatch.delenv("X86_64_FUNCTION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert main([]) == 2
    assert "--stack-name" in capsys.readouterr().err


def test_natural_cold_starts_at_concurrency_8_enter_the_rate_and_the_cost(tmp_path, capsys):
    """A fresh runtime and 8 invocations at a time: new execution environments start while
    measuring. They are cold starts (never warm samples), set the observed rate and are
    priced; nothing was forced."""
    out = tmp_path / "c8.json"
    with local_runtime(ROOT / "template.yaml", max_concurrency=8) as fresh:
        code, printed = run(capsys, "--endpoint-url", fresh.endpoint_url, "-n", "40",
                            "--warmup", "0", "--concurrency", "8", "--json", str(out))
    assert code == 0, printed
    document = json.loads(out.read_text())
    for group in document["summary"]:
        assert group["observed_cold_rate"] > 0
        assert group["cost"]["mean_billed_ms"] > group["warm_billed"]["mean"]
        assert group["cold_rate_used"] == group["observed_cold_rate"]
        assert group["natural_cold_samples"] >= 1
        assert group["warm_duration"]["n"] == 40  # natural cold starts do not reduce -n
        assert group["unforced_samples"] == 40 + group["natural_cold_samples"]
    assert not [s for s in document["samples"] if s["cold"] and s["forced_cold"]]
    assert "cost at cold-start rate 0.00%" not in printed
