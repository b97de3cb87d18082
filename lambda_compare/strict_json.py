"""JSON as the standard defines it: no NaN or Infinity, which other tools cannot read.

A figure that is not finite (a ratio over a zero median) is written as null: unknown, not a
number that looks measured.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite(value: Any) -> Any:
    """`value` with every non-finite float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def dumps(document: Any, **options: Any) -> str:
    return json.dumps(finite(document), allow_nan=False, **options)
