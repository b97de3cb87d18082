"""What an invocation costs: one price table, with its source and date, and pure arithmetic.

Lambda bills duration per 1 ms in GB-seconds at a price per architecture (tiered by monthly
volume), plus a fee per request. INIT is billed on cold starts (container images always; every
on-demand function since 2025-08-01), so a cold invocation's Billed Duration already includes
it; a SnapStart restore is billed apart (Billed Restore Duration), and added to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Published on-demand prices; not fetched at run time. Check the pricing page for your region
# and pass a file of the same shape with --prices when they differ.
PRICE_TABLE: dict[str, Any] = {
    "source": "https://aws.amazon.com/lambda/pricing/ (tiers: AWS Compute Blog, "
              "'Introducing tiered pricing for AWS Lambda', 2022-08)",
    "as_of": "list prices unchanged since tiered pricing began in 2022-08; check the "
             "pricing page before relying on them",
    "currency": "USD",
    "request_fee_per_million": 0.20,
    "regions": {
        "us-east-1": {
            # (monthly GB-seconds up to, USD per GB-second); None = and above
            "x86_64": [[6e9, 0.0000166667], [15e9, 0.0000150000], [None, 0.0000133334]],
            "arm64": [[7.5e9, 0.0000133334], [18.75e9, 0.0000120001], [None, 0.0000106667]],
        },
    },
}


INIT_BILLING = (
    "INIT is billed on every cold start: container images always, and since 2025-08-01 "
    "every on-demand function (AWS Compute Blog, 'AWS Lambda standardizes billing for the INIT "
    "phase', 2025-04); a cold invocation's Billed Duration includes it, and the cost here does "
    "too")
NOT_MODELLED = (
    "the free tier (1M requests and 400,000 GB-seconds a month per account, shared by both "
    "architectures: https://aws.amazon.com/lambda/pricing/), ephemeral storage above the free "
    "512 MB, provisioned concurrency, SnapStart cache, data transfer")


@dataclass(frozen=True)
class Prices:
    request_fee_per_million: float
    tiers: dict[str, list[tuple[float | None, float]]]
    source: str
    as_of: str
    region: str

    @classmethod
    def load(cls, region: str, path: Path | None = None) -> Prices:
        table = json.loads(path.read_text()) if path else PRICE_TABLE
        regions = table["regions"]
        fallback = next(iter(regions))
        chosen = regions.get(region) or regions[fallback]
        return cls(
            request_fee_per_million=float(table["request_fee_per_million"]),
            tiers={arch: [(None if upto is None else float(upto), float(price))
                          for upto, price in tiers] for arch, tiers in chosen.items()},
            source=table["source"],
            as_of=table["as_of"],
            region=region if region in regions else f"{region} (priced as {fallback})",
        )

    def duration_cost(self, architecture: str, gb_seconds: float) -> float:
        """Cost of a month's GB-seconds, walking the tiers from the first."""
        cost, used = 0.0, 0.0
        for upto, price in self.tiers[architecture]:
            if gb_seconds <= used:
                break
            in_tier = gb_seconds - used if upto is None else min(gb_seconds, upto) - used
            cost += in_tier * price
            used += in_tier
        return cost


@dataclass(frozen=True)
class Cost:
    per_million_invocations: float
    per_million_predictions: float
    request_fee_share: float
    duration_per_million: float
    request_fee_per_million: float
    mean_billed_ms: float


def cost_per_million(prices: Prices, architecture: str, memory_mb: int, warm_billed_ms: float,
                     cold_billed_ms: float | None, cold_start_rate: float,
                     rows_per_invocation: float, monthly_invocations: float = 1e6) -> Cost:
    """Cost of 1M invocations (and of 1M predictions) at a given cold-start rate.

    The tier price is the blended one for `monthly_invocations` invocations in a month.
    """
    rate = cold_start_rate if cold_billed_ms is not None else 0.0
    mean_billed_ms = warm_billed_ms * (1 - rate) + (cold_billed_ms or 0.0) * rate
    gb_seconds_per_invocation = (memory_mb / 1024.0) * (mean_billed_ms / 1000.0)
    monthly_cost = prices.duration_cost(architecture, gb_seconds_per_invocation
                                        * monthly_invocations)
    duration = monthly_cost / monthly_invocations * 1e6
    requests = prices.request_fee_per_million
    total = duration + requests
    return Cost(
        per_million_invocations=total,
        per_million_predictions=total / rows_per_invocation,
        request_fee_share=requests / total if total else 0.0,
        duration_per_million=duration,
        request_fee_per_million=requests,
        mean_billed_ms=mean_billed_ms,
    )
