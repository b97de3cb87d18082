"""One PNG for someone choosing between arm64 and x86_64: the verdict first, then what it rests
on — warm durations, every cold start's INIT, and the duration cost (the part the architecture
changes), on its own scale, the request fee stated as a number. Every panel says how many samples
it shows, which model and version answered, and what was sent; without an architecture verdict
every bar says where the function really ran."""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .groups import Group, warm_durations

COLOURS = {"arm64": "#2e7d32", "x86_64": "#1565c0"}
BANNER = {"no_verdict": "#fdecea", "no_meaningful_difference": "#fff4e5",
          "faster": "#e8f5e9"}


@dataclass(frozen=True)
class Context:
    about: str  # model and version, and the payload: a line under every panel's title
    where: dict[str, str]  # per architecture, where it ran; empty when a verdict is possible


def context(document: dict[str, Any]) -> Context:
    provenance, settings = document["provenance"], document["settings"]
    functions = provenance.get("functions", {})
    versions = sorted({str(f.get("model_version")) for f in functions.values()
                       if f.get("model_version")})
    engines = sorted({str(f.get("engine")) for f in functions.values() if f.get("engine")})
    model = f"model {' / '.join(versions) or '?'}" + (f" ({', '.join(engines)})"
                                                      if engines else "")
    rows = settings.get("rows_per_invocation") or 1
    if settings.get("from_logs"):
        payload = f"observed traffic, {rows:.3g} rows/request on average"
    elif settings.get("mix"):
        payload = str(settings["mix"])
    else:
        sent = Path(settings["event"]).name if settings.get("event") else "data-set rows"
        payload = f"{sent}: {rows:g} row{'s' if rows != 1 else ''} per request"
    where = {}
    if provenance.get("no_verdict_reason"):
        for arch, info in functions.items():
            ran_on = info.get("ran_on") or "?"
            how = "emulated" if info.get("emulated") else (
                "local" if provenance.get("local") else "")
            where[arch] = f"ran on {ran_on}" + (f" ({how})" if how else "")
    return Context(f"{model} · {payload}", where)


def write_chart(path: Path, groups: list[Group], document: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(16.5, 9.2))
    grid = figure.add_gridspec(2, 3, height_ratios=[0.9, 4], hspace=0.38, wspace=0.3)
    banner = figure.add_subplot(grid[0, :])
    _banner(banner, document)
    about = context(document)
    _warm_panel(figure.add_subplot(grid[1, 0]), groups,
                "client-side time" if document["timing_source"] == "client" else "Duration",
                about)
    _cold_panel(figure.add_subplot(grid[1, 1]), groups,
                "client-side timing cannot see INIT" if document["timing_source"] == "client"
                else "--cold-starts K forces some", about)
    _cost_panel(figure.add_subplot(grid[1, 2]), groups, about)
    figure.subplots_adjust(top=0.93)
    figure.suptitle(_title(document), fontsize=12, fontweight="bold", y=0.975)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)


def _title(document: dict[str, Any]) -> str:
    settings = document["settings"]
    rows = settings["rows_per_invocation"]
    sent = ("observed traffic" if settings.get("from_logs") else "replayed mix"
            if settings.get("mix") else "")
    parts = [f"arm64 vs x86_64: {sent + ', ' if sent else ''}{rows:.3g} "
             f"row{'s' if rows != 1 else ''} per invocation{' on average' if sent else ''}"]
    provenance = document["provenance"]
    if provenance.get("local"):
        machines = sorted({str(f.get("ran_on")) for f in provenance["functions"].values()})
        parts.append(f"LOCAL endpoint, ran on {' and '.join(machines)}")
    parts.append("client-side timing (Tail refused)" if document["timing_source"] == "client"
                 else "timing from REPORT lines read from CloudWatch Logs"
                 if document["settings"].get("from_logs") else "timing from REPORT lines")
    return " — ".join(parts)


def _banner(axis: Any, document: dict[str, Any]) -> None:
    axis.set_xticks([])
    axis.set_yticks([])
    kinds = {c["verdict_kind"] for c in document["comparison"].values()}
    kind = next((k for k in ("no_verdict", "no_meaningful_difference", "faster") if k in kinds),
                "no_verdict")
    headline = {"no_verdict": "NO ARCHITECTURE VERDICT",
                "no_meaningful_difference": "NO MEANINGFUL DIFFERENCE",
                "faster": "VERDICT"}[kind]
    reason = document["provenance"].get("no_verdict_reason")
    lines = [f"{memory} MB: {_short(c['verdict'])}" for memory, c in
             document["comparison"].items()] if not reason else [_short(reason)]
    recommendation = document["recommendation"]
    if recommendation.get("verdict_kind") == "recommendation":
        cheapest = recommendation["cheapest"]
        lines.append(f"cheapest: {cheapest['architecture']} @ {cheapest['memory_mb']} MB"
                     + ("" if cheapest.get("cost", {}).get("meaningful", True)
                        else " (within noise: either will do)"))
    lines.extend(_short(note) for note in document["notes"][:1])
    axis.text(0.01, 0.88, headline, fontsize=15, fontweight="bold", va="top",
              color="#b71c1c" if kind == "no_verdict" else "#333333", transform=axis.transAxes)
    axis.text(0.01, 0.55, "\n".join(lines), fontsize=10, va="top", transform=axis.transAxes)
    axis.set_facecolor(BANNER[kind])
    for spine in axis.spines.values():
        spine.set_color("#bbbbbb")


def _short(text: str, width: int = 165) -> str:
    return "\n".join(textwrap.wrap(text, width))


def _label(group: Group, n: int, about: Context) -> str:
    where = about.where.get(group.architecture)
    return (f"{group.architecture}\n{group.memory_mb or '?'} MB\nn={n}"
            + (f"\n{where}" if where else ""))


def _warm_panel(axis: Any, groups: list[Group], measure: str, about: Context) -> None:
    import matplotlib.ticker
    data, labels, colours = [], [], []
    for group in groups:
        values = warm_durations(group.warm)
        data.append(values or [float("nan")])
        median = f"\nmedian {group.warm_duration.p50:.2f}" if group.warm_duration else ""
        labels.append(_label(group, len(values), about) + median)
        colours.append(COLOURS.get(group.architecture, "grey"))
    boxes = axis.boxplot(data, tick_labels=labels, patch_artist=True, showfliers=True,
                         flierprops={"markersize": 2, "alpha": 0.4},
                         medianprops={"color": "black", "linewidth": 2})
    for patch, colour in zip(boxes["boxes"], colours, strict=True):
        patch.set_facecolor(colour)
        patch.set_alpha(0.45)
    measured = [v for v in data if v and v[0] == v[0]]
    spread = max((max(v) / max(sorted(v)[len(v) // 2], 1e-9) for v in measured), default=1.0)
    scale = ""
    if spread > 8:  # a long tail would flatten the boxes: show every sample on a log axis
        axis.set_yscale("log")
        axis.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        axis.yaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        scale = ", log scale"
    axis.set_title(f"Warm invocations: {measure} (ms{scale})\nbox = middle half, line = median, "
                   f"dots = outliers\n{_short(about.about, 62)}", fontsize=9.5)
    axis.set_ylabel("ms (lower is better)")
    if not scale:
        axis.set_ylim(bottom=0)
    axis.grid(axis="y", alpha=0.3)


def _cold_panel(axis: Any, groups: list[Group], hint: str, about: Context) -> None:
    jitter = random.Random(7)
    for position, group in enumerate(groups, start=1):
        cold = group.cold
        colour = COLOURS.get(group.architecture, "grey")
        values = [(s.startup_ms or 0.0, s.forced_cold) for s in cold]
        if len(values) >= 5:
            axis.boxplot([[v for v, _ in values]], positions=[position], widths=0.5,
                         showfliers=False, medianprops={"color": "black"})
        for value, forced in values:
            axis.scatter(position + jitter.uniform(-0.15, 0.15), value, s=55, color=colour,
                         marker="o" if forced else "^", alpha=0.8, edgecolors="black",
                         linewidths=0.4)
    axis.set_xticks(range(1, len(groups) + 1),
                    [_label(g, g.cold_samples, about) for g in groups])
    axis.set_xlim(0.4, len(groups) + 0.6)
    highest = max((s.startup_ms or 0.0 for g in groups for s in g.cold), default=0.0)
    axis.set_ylim(0, highest * 1.1 if highest else None)
    if not any(g.cold_samples for g in groups):
        _empty(axis, f"no cold start measured\n({hint})")
    from matplotlib.lines import Line2D

    n_forced = sum(g.cold_samples - g.natural_cold_samples for g in groups)
    n_natural = sum(g.natural_cold_samples for g in groups)
    axis.legend(handles=[
        Line2D([], [], marker="o", linestyle="", color="grey", markeredgecolor="black",
               label=f"forced (--cold-starts), {n_forced}: NOT in the cold-start rate"),
        Line2D([], [], marker="^", linestyle="", color="grey", markeredgecolor="black",
               label=f"natural (while measuring), {n_natural}: the observed rate")],
        fontsize=8, loc="lower center", framealpha=0.9)
    axis.set_title("Cold starts: INIT (or restore) duration (ms), one point each\n"
                   f"{_short(about.about, 62)}", fontsize=9.5)
    axis.set_ylabel("ms")
    axis.grid(axis="y", alpha=0.3)


def _cost_panel(axis: Any, groups: list[Group], about: Context) -> None:
    """Only the duration cost is drawn: it is what the architecture changes. The request fee,
    the same on both, would dwarf it at small batches, so it is stated as a number instead."""
    names = [_label(g, g.warm_duration.n if g.warm_duration else 0, about) for g in groups]
    duration = [g.cost.duration_per_million / g.rows if g.cost else 0.0 for g in groups]
    colours = [COLOURS.get(g.architecture, "grey") for g in groups]
    axis.bar(names, duration, color=colours, alpha=0.8)
    fee_per_request = next((g.cost.request_fee_per_million for g in groups if g.cost), None)
    fees = sorted({round(g.cost.request_fee_per_million / g.rows, 6) for g in groups if g.cost})
    for index, group in enumerate(groups):
        if group.cost:
            fee = group.cost.request_fee_per_million / group.rows
            axis.annotate(f"\\${duration[index]:.4g}\n+ request fee \\${fee:.4g}\n= "
                          f"\\${duration[index] + fee:.4g} in all\ncold starts "
                          f"{group.cold_rate_used:.1%}", (index, duration[index]), ha="center",
                          va="bottom", fontsize=8)
    axis.set_ylim(0, max([*duration, 1e-12]) * 1.45)
    if fee_per_request is not None:
        axis.set_xlabel(f"+ request fee: \\${fee_per_request:.2f} per 1M requests = "
                        f"\\${' / '.join(f'{f:.4g}' for f in fees)} per 1M predictions,\nthe "
                        "same on both architectures: stated, not drawn", fontsize=9,
                        bbox={"facecolor": "#f5f5f5", "edgecolor": "#bbbbbb"})
    axis.set_title("Duration cost per 1M predictions (USD): the part the\narchitecture changes, "
                   f"cold starts included at the rate shown\n{_short(about.about, 62)}",
                   fontsize=9.5)
    if not any(g.cost for g in groups):
        _empty(axis, "no cost: memory size unknown\n(the endpoint has no GetFunction)")
    axis.grid(axis="y", alpha=0.3)


def _empty(axis: Any, message: str) -> None:
    axis.set_yticks([])
    axis.text(0.5, 0.5, message, ha="center", va="center", fontsize=10, color="#555555",
              transform=axis.transAxes)

