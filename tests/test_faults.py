"""Faults on the local runtime: a worker killed mid-invocation, a corrupted model, load.

The runtime must answer every invocation (with an error where one is due), never hang, and
recover: the next invocation succeeds on a fresh execution environment.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

from devkit.processes import descendants
from helpers import APP_DIR, ROOT, X86_FUNCTION
from local_lambda.launcher import local_runtime

MISBEHAVING = ROOT / "tests" / "fixtures" / "misbehaving" / "template.yaml"


def runtime_processes(server_pid: int) -> list[int]:
    """The awslambdaric processes (function runtimes) under the local runtime."""
    found = []
    for pid in descendants(server_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if (b"awslambdaric" in command and not command.startswith(b"/")) or (
                b"awslambdaric" in command and b"aws-lambda-rie" not in command):
            found.append(pid)
    return found


def test_worker_killed_mid_invocation_answers_an_error_and_is_replaced() -> None:
    with local_runtime(MISBEHAVING) as runtime:
        client = runtime.client()
        first = json.loads(client.invoke(FunctionName="MisbehavingFunction",
                                         Payload=b"{}")["Payload"].read())
        outcome: dict = {}

        def slow() -> None:
            response = client.invoke(FunctionName="MisbehavingFunction",
                                     Payload=b'{"sleep": 0.9}')
            outcome.update(error=response.get("FunctionError"),
                           body=json.loads(response["Payload"].read()))

        caller = threading.Thread(target=slow)
        caller.start()
        time.sleep(0.3)
        victims = runtime_processes(runtime.process.pid)
        assert victims
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        caller.join(timeout=15)
        assert not caller.is_alive()
        assert outcome["error"] == "Unhandled"
        assert outcome["body"]["errorType"] == "Runtime.ExitError"
        after = json.loads(client.invoke(FunctionName="MisbehavingFunction",
                                         Payload=b"{}")["Payload"].read())
        assert after["pid"] != first["pid"]


def test_corrupted_model_fails_init_with_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    shutil.copytree(APP_DIR, tmp_path / "app", ignore=shutil.ignore_patterns("build"))
    with (tmp_path / "app" / "model" / "model.ubj").open("ab") as model:
        model.write(b"\0")
    shutil.copy(ROOT / "template.yaml", tmp_path / "template.yaml")
    with local_runtime(tmp_path / "template.yaml") as runtime:
        client = runtime.client()
        for _ in range(2):  # every attempt re-runs INIT and fails the same way, promptly
            started = time.monotonic()
            response = client.invoke(FunctionName=X86_FUNCTION,
                                     Payload=(ROOT / "events" / "event.json").read_bytes())
            assert time.monotonic() - started < 10
            assert response["FunctionError"] == "Unhandled"
            message = json.loads(response["Payload"].read())["errorMessage"]
            assert "SHA-256" in message and "do not belong together" in message


def test_modest_load_loses_nothing_and_mixes_nothing_up(capsys) -> None:
    from tools.load_test import build_requests, run

    requests = build_requests(600, bad_fraction=0.2)
    with local_runtime(ROOT / "template.yaml", max_concurrency=8) as runtime:
        tally, _elapsed = run(runtime.client(), requests, concurrency=8)
    assert tally.lost == tally.wrong == tally.mixed_up == 0, tally.problems[:5]
    assert tally.ok + tally.refused_as_expected == 600
    assert tally.refused_as_expected > 50
    progress = capsys.readouterr().err
    assert "progress: 150/600 invocations" in progress and "progress: 600/600" in progress
