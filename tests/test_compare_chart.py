"""What the chart says besides its bars: model and payload on every panel, where each function
ran when there is no architecture verdict, and the request fee as a number."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_compare.chart import context, write_chart
from lambda_compare.groups import summarize_groups
from lambda_compare.pricing import Prices
from lambda_compare.samples import Sample


def document(**settings: Any) -> dict[str, Any]:
    functions = {arch: {"function": f"f-{arch}", "declared_architecture": arch,
                        "ran_on": "x86_64", "model_version": "demo-1", "engine": "compiled"}
                 for arch in ("arm64", "x86_64")}
    return {"settings": {"rows_per_invocation": 1, "event": "events/event.json", **settings},
            "provenance": {"functions": functions, "local": True,
                           "no_verdict_reason": "both functions ran on one x86_64 machine"},
            "timing_source": "report", "notes": [], "recommendation": {},
            "comparison": {"512": {"verdict": "no architecture verdict",
                                   "verdict_kind": "no_verdict"}}}


def test_every_panel_names_the_model_and_the_payload():
    assert context(document()).about == \
        "model demo-1 (compiled) · event.json: 1 row per request"
    mix = context(document(mix="mix of 4 requests (…)", event=None))
    assert mix.about.endswith("· mix of 4 requests (…)")
    logs = context(document(from_logs=True, rows_per_invocation=12.5))
    assert "observed traffic, 12.5 rows/request" in logs.about


def test_without_a_verdict_each_bar_says_where_it_ran():
    assert context(document()).where == {"arm64": "ran on x86_64 (local)",
                                         "x86_64": "ran on x86_64 (local)"}
    with_verdict = document()
    with_verdict["provenance"]["no_verdict_reason"] = None
    assert context(with_verdict).where == {}


def sample(arch: str, duration: float, cold: bool = False, forced: bool = False) -> Sample:
    return Sample(architecture=arch, function=f"f-{arch}", memory_mb=512,
                  phase="cold" if forced else "warm", outcome="ok", client_ms=duration,
                  source="report", duration_ms=duration, billed_duration_ms=float(int(duration)
                                                                                + 1),
                  init_duration_ms=200.0 if cold else None, forced_cold=forced, rows=10)


def test_the_chart_draws_with_forced_and_natural_cold_starts(tmp_path, monkeypatch):
    texts: list[str] = []
    import matplotlib.axes

    original = matplotlib.axes.Axes.set_title

    def keep_title(self: Any, label: str, *args: Any, **kwargs: Any) -> Any:
        texts.append(label)
        return original(self, label, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "set_title", keep_title)
    samples = [sample(a, d) for a in ("arm64", "x86_64") for d in (1.0, 1.2, 1.4, 2.0)]
    samples += [sample("arm64", 5.0, cold=True, forced=True), sample("x86_64", 5.0, cold=True)]
    groups = summarize_groups(samples, Prices.load("us-east-1"), None, 1e6)
    write_chart(tmp_path / "c.png", groups, document(rows_per_invocation=10))
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    panels = [t for t in texts if "model demo-1" in t]
    assert len(panels) == 3  # warm, cold, cost
    assert any(t.startswith("Duration cost per 1M predictions") for t in panels)
    assert groups[0].cost is not None
    assert groups[0].cost.request_fee_per_million == pytest.approx(0.20)
