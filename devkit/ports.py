"""Loopback ports: a free one to listen on, and waiting for one to answer or to fall silent."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def answering(port: int) -> bool:
    """Whether something accepts connections on the loopback port."""
    with socket.socket() as probe:
        return probe.connect_ex((LOOPBACK, port)) == 0


def wait_for_port(port: int, seconds: float, alive: Callable[[], bool] = lambda: True) -> None:
    """Until the port answers; fails early when `alive` says its server exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server for {LOOPBACK}:{port} exited before listening")
        if answering(port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {LOOPBACK}:{port} after {seconds:.0f} s")


def wait_port_free(port: int, seconds: float = 5.0) -> None:
    """Until nothing answers on the port: a stopped server's port is free for the next."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not answering(port):
            return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} is still answering after the runtime stopped")
