"""How every benchmark figure is summarised: the median, with min and max over rounds."""

from __future__ import annotations

import statistics


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}
