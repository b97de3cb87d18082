"""Small JSON text helpers for the hot path, where building dicts to dump costs too much."""

from __future__ import annotations

import json
import re

_PLAIN = re.compile(r"[A-Za-z0-9_.:-]*")


def json_string(text: str | None) -> str:
    """JSON for a string, skipping the encoder for the plain ids and names it usually is."""
    if text is None:
        return "null"
    return f'"{text}"' if _PLAIN.fullmatch(text) else json.dumps(text)
