"""The runtime's console and the note every REPORT carries: where the code really ran."""

from __future__ import annotations

import platform
import sys
import threading

from .functions import FunctionSpec
from .image import LocalImage


def host_note(spec: FunctionSpec, image: LocalImage) -> str:
    """Said in every REPORT: where the code really ran."""
    host = platform.machine()
    if image.emulated:
        return (f"Host Architecture: {host} (local runtime, declared {spec.architecture}, "
                f"EMULATED {image.machine} under qemu)")
    declared = {"arm64": "aarch64", "x86_64": "x86_64"}.get(spec.architecture, spec.architecture)
    how = "same as declared" if declared == host else f"declared {spec.architecture}, run natively"
    return f"Host Architecture: {host} (local runtime, {how})"


_echo_lock = threading.Lock()


def echo(name: str, lines: list[str], report_line: str) -> None:
    """The runtime's console: each invocation's log, prefixed with the function name."""
    with _echo_lock:
        for line in [*lines, report_line]:
            sys.stdout.write(f"[{name}] {line}\n")
        sys.stdout.flush()
