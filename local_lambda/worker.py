"""One execution environment: an RIE process driving `python -m awslambdaric HANDLER`.

The emulator starts the runtime on the first invocation (the cold start) and prints its own
phase measurements (INIT REPORT, INVOKE RTDONE) beside the function's output. The worker reads
that stream, cuts out each invocation's log, and measures peak RSS from /proc.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import os
import platform
import queue
import re
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from devkit.ports import free_port
from devkit.processes import descendants

from .cpus import environment_cpus
from .emulator_log import collect_log, ending, fallback_request_id, init_duration_ms, out_of_memory
from .functions import DEFAULT_REGION, FunctionSpec
from .image import LocalImage
from .report_line import Report

RIE_DIR_PARTS = ("samcli", "local", "rapid")
STARTUP_SECONDS = 30.0
EMULATED_INIT_SECONDS = 120.0


def rie_binary(architecture: str | None = None) -> Path:
    import samcli

    machine = architecture or platform.machine()
    suffix = "arm64" if machine in ("arm64", "aarch64") else "x86_64"
    path = Path(samcli.__file__).resolve().parent.joinpath(*RIE_DIR_PARTS[1:],
                                                            f"aws-lambda-rie-{suffix}")
    if not path.is_file():
        raise FileNotFoundError(f"the Runtime Interface Emulator is not at {path}; "
                                "install aws-sam-cli (requirements/local-runtime.txt)")
    return path


@dataclass(frozen=True)
class Outcome:
    """One invocation as the caller sees it."""

    request_id: str
    payload: bytes
    function_error: str | None
    log_lines: list[str]
    report: Report
    worker_lost: bool
    worker_id: int = 0  # which execution environment ran it (one log stream each)


class Worker:
    def __init__(self, spec: FunctionSpec, image: LocalImage, region: str = DEFAULT_REGION,
                 worker_id: int = 0) -> None:
        self.spec = spec
        self.image = image
        self.region = region
        self.worker_id = worker_id
        self.generation = spec.revision
        self._runtime_pids: list[int] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._port = free_port()
        self._api_port = free_port()
        self._process = _SPAWNER.submit(
            subprocess.Popen,
            [*image.emulator, str(rie_binary(image.machine)), "--log-level", "info",
             "--runtime-interface-emulator-address", f"127.0.0.1:{self._port}",
             "--runtime-api-address", f"127.0.0.1:{self._api_port}",
             *image.python, "-S", "-m", "awslambdaric", *spec.command],
            cwd=image.task_root, env=runtime_environment(spec, image, region, worker_id),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=functools.partial(_start_environment, environment_cpus(spec.memory_mb)),
        ).result()
        threading.Thread(target=self._read_output, daemon=True,
                         name=f"{spec.name}-{worker_id}-log").start()
        self._wait_until_listening()

    # -- lifecycle -------------------------------------------------------------------------
    def alive(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        if self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)
        if self._process.stdout:
            self._process.stdout.close()

    # -- invocation ------------------------------------------------------------------------
    def invoke(self, payload: bytes) -> Outcome:
        self._drain()
        # An emulated INIT takes seconds; the function's own timeout still applies to the invoke.
        deadline = self.spec.timeout_s + (EMULATED_INIT_SECONDS if self.image.emulated else 3.0)
        status, body, transport_error = None, b"", None
        connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=deadline)
        try:
            connection.request("POST", "/2015-03-31/functions/function/invocations", body=payload,
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            status, body = response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            transport_error = error
        finally:
            connection.close()
        lines, request_id, rapid = collect_log(self._lines)
        request_id = request_id or fallback_request_id()
        end = ending(status, body, transport_error, rapid, request_id, self.spec.timeout_s,
                     self.alive())
        report = Report(request_id=request_id, duration_ms=end.duration_ms,
                        memory_size_mb=self.spec.memory_mb,
                        max_memory_used_mb=self.peak_rss_mb(),
                        init_duration_ms=init_duration_ms(rapid), status=end.status)
        body, function_error, lost = end.body, end.function_error, end.worker_lost
        if report.max_memory_used_mb > self.spec.memory_mb and not lost:
            body, function_error, lost = out_of_memory(request_id), "Unhandled", True
        return Outcome(request_id, body, function_error, lines, report, worker_lost=lost,
                       worker_id=self.worker_id)

    def peak_rss_mb(self) -> int:
        """The runtime's peak resident set (VmHWM), as Lambda's Max Memory Used counts it."""
        if not self._runtime_pids or not all(Path(f"/proc/{p}").exists()
                                             for p in self._runtime_pids):
            # Scanning /proc is costly under load: only when the runtime process changed.
            self._runtime_pids = descendants(self._process.pid)
        peak_kb = 0
        for pid in self._runtime_pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                peak_kb += int(match.group(1))
        return max(1, -(-peak_kb // 1024))

    # -- internals -------------------------------------------------------------------------
    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"the emulator for {self.spec.name} exited at start")
            try:
                with socket.create_connection(("127.0.0.1", self._port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"the emulator for {self.spec.name} did not listen within "
                           f"{STARTUP_SECONDS:.0f} s")

    def _read_output(self) -> None:
        assert self._process.stdout is not None
        try:
            for raw in self._process.stdout:
                self._lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        except (ValueError, OSError):
            pass  # the stream was closed by stop()
        self._lines.put(None)

    def _drain(self) -> None:
        while True:
            try:
                self._lines.get_nowait()
            except queue.Empty:
                return



def runtime_environment(spec: FunctionSpec, image: LocalImage, region: str,
                        worker_id: int) -> dict[str, str]:
    """What Lambda sets for the runtime, then the image's and the function's own variables."""
    log_stream = f"local/{spec.name}/{worker_id}"
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PYTHONPATH": f"{image.task_root}:{image.runtime_dir}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LAMBDA_TASK_ROOT": str(image.task_root),
        "LAMBDA_RUNTIME_DIR": str(image.runtime_dir),
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": "AWS_Lambda_Image",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout_s),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_LOG_FORMAT": spec.log_format,
        "_HANDLER": spec.command[0] if spec.command else "",
        **spec.image_env,
        **spec.environment,
    }


# Linux delivers PDEATHSIG when the *thread* that forked the child exits, so every emulator
# is started from this one long-lived thread: it then dies only with the runtime itself.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="worker-spawner")


def _start_environment(cpus: set[int]) -> None:
    """In the emulator's process before it starts: Lambda's CPUs for the memory size."""
    os.sched_setaffinity(0, cpus)
    _die_with_parent()


def _die_with_parent() -> None:
    """Linux: the emulator is killed if the runtime that started it dies, so none is orphaned."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
