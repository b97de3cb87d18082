"""The compare tool's options: read once, frozen, and its defaults found from a checkout's root
only, with one clear line elsewhere (the installed `lambda-compare` runs from any directory)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from artifact_contract import TRAINED_DEMO, model_source
from devkit.ports import free_port
from helpers import EVENTS_DIR, MODEL_DIR, ROOT
from lambda_compare.errors import EXIT_UNAVAILABLE, EXIT_USAGE, UserError
from lambda_compare.options import DEFAULT_INVOCATIONS, parse_options
from lambda_compare.single_payload import choose_payload

COMPARE = Path(sys.executable).with_name("lambda-compare")


def test_options_are_frozen_once_parsed():
    options = parse_options(["--memory", "512,1024"])
    assert options.memories == (512, 1024)
    assert options.invocations == DEFAULT_INVOCATIONS
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.invocations = 5  # type: ignore[misc]


def test_payloads_leave_the_invocation_count_to_the_mix(tmp_path):
    assert parse_options(["--payloads", str(tmp_path)]).invocations is None


@pytest.mark.parametrize("argv, message", [
    (["--payloads", "p.jsonl", "--event", "e.json"], "--payloads replaces --event"),
    (["--shuffle"], "--shuffle reorders --payloads"),
    (["--memory", "512,big"], "--memory takes comma-separated integers"),
    (["--since", "2h"], "choose the window of --from-logs"),
])
def test_conflicting_options_are_refused_with_usage(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_options(argv)
    assert exit_info.value.code == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_outside_a_checkout_the_default_event_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError) as error:
        choose_payload(parse_options([]))
    assert error.value.code == "bad_event"
    assert "pass --event" in error.value.line() and "\n" not in error.value.line()


def test_outside_a_checkout_batches_come_from_model_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError) as error:
        choose_payload(parse_options(["--batch-size", "3"]))
    assert error.value.code == "no_model" and "--model-dir" in error.value.message
    payload = choose_payload(parse_options(["--batch-size", "3", "--model-dir", str(MODEL_DIR)]))
    assert payload.rows == 3 and payload.event is None
    assert len(json.loads(payload.body)["instances"]) == 3


def test_from_the_checkout_root_the_sample_event_is_the_default(monkeypatch):
    monkeypatch.chdir(ROOT)
    payload = choose_payload(parse_options([]))
    source = model_source(json.loads((MODEL_DIR / "metadata.json").read_text()))
    imported = source != TRAINED_DEMO
    assert (payload.event is None) == imported
    if not imported:
        assert payload.body == (EVENTS_DIR / "event.json").read_bytes()


def run_installed(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(COMPARE), *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)


def test_installed_command_runs_from_any_directory(tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"
    missing = run_installed(tmp_path, "--endpoint-url", closed)
    assert missing.returncode == EXIT_USAGE
    assert missing.stderr.strip().endswith("[bad_event]")
    assert len(missing.stderr.strip().splitlines()) == 1
    given = run_installed(tmp_path, "--endpoint-url", closed,
                          "--event", str(EVENTS_DIR / "event.json"))
    assert given.returncode == EXIT_UNAVAILABLE, given.stderr
    assert given.stderr.strip().endswith("[endpoint_unreachable]")
