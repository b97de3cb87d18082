"""One PNG: warm duration distributions, cold-start INIT, and cost per 1M predictions."""

from __future__ import annotations

from pathlib import Path

from .samples import Sample
from .summary import Group

COLOURS = {"arm64": "#2e7d32", "x86_64": "#1565c0"}


def write_chart(path: Path, samples: list[Sample], groups: list[Group], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (durations, cold, cost) = plt.subplots(1, 3, figsize=(15, 4.8))
    figure.suptitle(title, fontsize=11)
    labels, data, colours = [], [], []
    for group in groups:
        values = [s.duration_ms for s in samples if s.ok and s.phase == "warm"
                  and s.architecture == group.architecture and s.memory_mb == group.memory_mb
                  and s.duration_ms is not None]
        if values:
            labels.append(f"{group.architecture}\n{group.memory_mb} MB")
            data.append(values)
            colours.append(COLOURS.get(group.architecture, "grey"))
    if data:
        boxes = durations.boxplot(data, tick_labels=labels, patch_artist=True, showfliers=True)
        for patch, colour in zip(boxes["boxes"], colours):
            patch.set_facecolor(colour)
            patch.set_alpha(0.55)
    durations.set_title("Warm duration (REPORT Duration)")
    durations.set_ylabel("ms")

    _bars(cold, [(g, g.cold_init.p50 if g.cold_init else 0.0) for g in groups],
          "Cold start: INIT duration p50", "ms")
    _bars(cost, [(g, g.cost.per_million_predictions if g.cost else 0.0) for g in groups],
          "Cost per 1M predictions", "USD")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _bars(axis, values: list[tuple[Group, float]], title: str, unit: str) -> None:
    names = [f"{g.architecture}\n{g.memory_mb} MB" for g, _ in values]
    heights = [v for _, v in values]
    bars = axis.bar(names, heights, color=[COLOURS.get(g.architecture, "grey") for g, _ in values],
                    alpha=0.75)
    for bar, height in zip(bars, heights):
        axis.annotate(f"{height:.4g}", (bar.get_x() + bar.get_width() / 2, height),
                      ha="center", va="bottom", fontsize=8)
    axis.set_title(title)
    axis.set_ylabel(unit)
