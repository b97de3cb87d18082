"""Start the local runtime as a child process and always stop it cleanly.

Used by `make demo` and the tests: waits until the API answers, and on exit (normal, error
or Ctrl-C) stops the server, which stops every worker; then checks the port is free.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from devkit.ports import free_port, wait_port_free
from devkit.processes import stop

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

READY_MARKER = "Running on http://127.0.0.1:"
FUNCTION_URL = re.compile(r"^\[local-lambda\] (\S+): Function URL (http://127\.0\.0\.1:\d+/)")
STARTUP_SECONDS = 600.0  # a first --emulate-arm64 run fetches an aarch64 Debian


class LocalRuntime:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port
        self.endpoint_url = f"http://127.0.0.1:{port}"
        self.output: list[str] = []
        self.urls: dict[str, str] = {}  # start-url: each function's Function URL

    def client(self, max_attempts: int = 1, read_timeout: float = 60.0) -> LambdaClient:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "lambda", endpoint_url=self.endpoint_url, region_name="us-east-1",
            aws_access_key_id="local", aws_secret_access_key="local",
            config=Config(retries={"total_max_attempts": max_attempts, "mode": "standard"},
                          read_timeout=read_timeout, max_pool_connections=32),
        )


@contextmanager
def local_runtime(template: Path, port: int | None = None, max_concurrency: int = 8,
                  echo: bool = False, emulate_arm64: bool = False,
                  logs_endpoint_url: str | None = None, serve: str = "start-lambda"
                  ) -> Iterator[LocalRuntime]:
    """`serve`: start-lambda (the Invoke API on `port`) or start-url (Function URLs from it)."""
    # start-url on port 0: each function's server takes a free port, printed with its URL.
    port = port if port is not None else (0 if serve == "start-url" else free_port())
    command = [sys.executable, "-m", "local_lambda", "--template", str(template),
               *(["--emulate-arm64"] if emulate_arm64 else []),
               serve, "--port", str(port), "--max-concurrency", str(max_concurrency),
               *(["--logs-endpoint-url", logs_endpoint_url] if logs_endpoint_url else [])]
    process = subprocess.Popen(command, cwd=Path(__file__).resolve().parent.parent,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    runtime = LocalRuntime(process, port)
    ready, serving = threading.Event(), threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            runtime.output.append(line.rstrip("\n"))
            url = FUNCTION_URL.match(line)
            if url:
                runtime.urls[url.group(1)] = url.group(2)
            if echo:
                sys.stdout.write(line)
            if READY_MARKER in line:
                serving.set()
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not ready.wait(0.05):
            if time.monotonic() > deadline:
                raise TimeoutError("the local runtime did not start in time")
        if not serving.is_set() or process.poll() is not None:
            raise RuntimeError("the local runtime exited at start:\n" + "\n".join(runtime.output))
        yield runtime
    finally:
        stop(process)
        for address in [port] if port else [int(u.rsplit(":", 1)[1].strip("/"))
                                            for u in runtime.urls.values()]:
            wait_port_free(address)
