"""TL2cgen's native messages, with the two it prints on every model left out (each explained).

TL2cgen's C++ library writes to the process's stderr (and its log lines through Python's
print); these are the known lines, each harmless here:
- The Treelite version warning. The TL2cgen 1.0.0 wheel carries Treelite 4.1.2 inside, and
  reads the model that the Treelite Python package (4.8.1, the release whose XGBoost frontend
  reads XGBoost 3's files) serialized for it, so it warns that the checkpoint is newer than
  itself. Treelite 4's checkpoint layout is the same across 4.x for everything TL2cgen reads,
  and every import and training proves the result: the C generated from that checkpoint gives
  XGBoost's outputs on every parity row (the gate), or nothing is written.
- "Parallel compilation disabled": one main.c is asked for on purpose (c_source.py).
Any other line passes through to stderr unchanged.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
from collections.abc import Iterator

KNOWN = {
    "treelite-version": re.compile(
        r"^\[[\d:]+\] \S*serializer\.cc:\d+: The model you are loading originated from a "
        r"newer Treelite version[^\n]*\nCurrently running Treelite version 4\.[^\n]*\n"
        r"The model checkpoint was generated from Treelite version 4\.[^\n]*(?:\n|$)",
        re.MULTILINE),
    "single-source-file": re.compile(
        r"^\[[\d:]+\] \S*split\.cc:\d+: Parallel compilation disabled;[^\n]*(?:\n|$)",
        re.MULTILINE),
}


def without_known(text: str) -> tuple[str, list[str]]:
    """The text less the known messages, and the names of those it held."""
    seen = []
    for name, pattern in KNOWN.items():
        text, count = pattern.subn("", text)
        seen += [name] * count
    return text, seen


@contextlib.contextmanager
def known_messages_left_out(seen: list[str] | None = None) -> Iterator[None]:
    """Capture fd 2 and Python's stdout while TL2cgen runs; pass on all but the known lines."""
    sys.stdout.flush()
    sys.stderr.flush()
    printed = io.StringIO()
    with tempfile.TemporaryFile() as captured:
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            with contextlib.redirect_stdout(printed):
                yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace") + printed.getvalue()
            rest, names = without_known(text)
            if seen is not None:
                seen.extend(names)
            if rest.strip():
                sys.stderr.write(rest)
                sys.stderr.flush()
