"""A progress bar on stderr: redrawn in place on a terminal, a line per quarter elsewhere.

Both functions are invoked interleaved, so progress counts invocations of both together.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = self.stream.isatty()
        self._lock = threading.Lock()
        self._last_quarter = -1
        self.label = ""

    def advance(self, label: str = "") -> None:
        with self._lock:
            self.done += 1
            self.label = label or self.label
            fraction = self.done / self.total
            if self.tty:
                filled = int(fraction * self.width)
                self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] "
                                  f"{self.done}/{self.total} {self.label:<24}")
                if self.done >= self.total:
                    self.stream.write("\n")
            elif int(fraction * 4) > self._last_quarter:
                self._last_quarter = int(fraction * 4)
                self.stream.write(f"progress: {self.done}/{self.total} invocations of both "
                                  f"functions, interleaved ({self.label})\n")
            self.stream.flush()

    def extend(self, more: int) -> None:
        """More invocations than planned (a request sent again after a cold start)."""
        with self._lock:
            self.total += more

    def close(self) -> None:
        with self._lock:
            if self.tty and self.done < self.total:
                self.stream.write("\n")
                self.stream.flush()
