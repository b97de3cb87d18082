"""What the compare tool accepts from an endpoint, and how long it waits: one table.

An endpoint can be anything listening on a URL, so every answer is bounded before it is read:
in time (a wall-clock limit per invocation, answer included), in bytes, and in the figures it
may claim. The bounds follow Lambda's own quotas (https://docs.aws.amazon.com/lambda/latest/dg/
gettingstarted-limits.html, as of December 2026): a function runs at most 15 minutes, has 128 to
10,240 MB of memory, answers a synchronous invoke with at most 6 MB, and `LogType=Tail` returns
the last 4 KB of its log.
"""

from __future__ import annotations

import hashlib
from typing import Any

# Wall-clock seconds for one invocation, from sending it to the last byte of its answer
# (--invoke-timeout). Generous for this project's functions (Timeout 10 s plus INIT); a
# function with a longer Timeout needs it raised, up to Lambda's 900 s plus INIT.
DEFAULT_INVOKE_TIMEOUT_S = 60.0
MAX_INVOKE_TIMEOUT_S = 900.0 + 600.0

MAX_ANSWER_BYTES = 6 * 1024 * 1024  # Lambda's synchronous response payload limit
MAX_LOG_RESULT_CHARS = 16 * 1024  # base64 of Lambda's 4 KB log tail is 5,464 characters

MAX_DURATION_MS = 900_000.0  # Duration, Init Duration, Restore Duration: 15 minutes
MAX_BILLED_MS = 2 * MAX_DURATION_MS  # Billed Duration may include INIT
MIN_MEMORY_MB = 128
MAX_MEMORY_MB = 10_240

ECHO_CHARS = 200  # the most of any endpoint-supplied text the tool prints or writes


def clip(text: str, limit: int = ECHO_CHARS) -> str:
    """Text from an endpoint as the tool echoes it: at most `limit` characters, and when cut,
    its length and a digest, so two long values that differ still print differently."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:12]
    return f"{text[:limit]}… ({len(text):,} chars, sha256 {digest})"


def echo(value: Any) -> Any:
    """An endpoint-supplied value as it may be printed: text clipped, anything else clipped
    as its repr; None, booleans and numbers as they are."""
    if value is None or isinstance(value, (bool, float)) or (
            isinstance(value, int) and abs(value) < 10**18):
        return value
    if isinstance(value, str):
        return clip(value)
    try:
        return clip(repr(value))
    except RecursionError:
        return f"<{type(value).__name__} nested too deeply to print>"


def kind(value: Any) -> str:
    """What a JSON value is, for a message: 'a list', 'text', 'null'…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "an object"
    return "a list" if isinstance(value, list) else type(value).__name__
