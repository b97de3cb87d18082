"""Every command of the project answers --help at once, and documents every option.

A command that imports XGBoost before reading its arguments takes seconds (and as much CPU)
to print its usage; the bound is on the child's CPU time, which a busy machine does not
inflate, with a generous wall-clock bound beside it.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ROOT

PY = sys.executable
BIN = Path(PY).parent
# Python commands, as a script or a module (the console scripts lambda-compare and
# local-lambda run the same parsers as invoke_x86_64_arm64_lambdas.py and local_lambda).
PYTHON_COMMANDS = {
    "invoke_x86_64_arm64_lambdas.py": ("path", "invoke_x86_64_arm64_lambdas.py"),
    "python -m local_lambda": ("module", "local_lambda"),
    "train-code/train.py": ("path", "train-code/train.py"),
    "train-code/import_model.py": ("path", "train-code/import_model.py"),
    "python -m model_build.demo_state": ("module", "model_build.demo_state"),
    "python -m model_build.legacy_converter": ("module", "model_build.legacy_converter"),
    "tools.demo": ("module", "tools.demo"),
    "tools.invoke": ("module", "tools.invoke"),
    "tools.load_test": ("module", "tools.load_test"),
    "fuzz.run": ("module", "fuzz.run"),
    "bench.benchmark": ("module", "bench.benchmark"),
    "bench.init_breakdown": ("module", "bench.init_breakdown"),
    "e2e": ("module", "e2e"),
}
HELP_COMMANDS = {
    **{name: [PY, target] if kind == "path" else [PY, "-m", target]
       for name, (kind, target) in PYTHON_COMMANDS.items()},
    "lambda-compare (console script)": [str(BIN / "lambda-compare")],
    "local-lambda (console script)": [str(BIN / "local-lambda")],
    "local-lambda start-lambda": [str(BIN / "local-lambda"), "start-lambda"],
    "local-lambda invoke": [str(BIN / "local-lambda"), "invoke"],
    "tools/without-tools": [str(ROOT / "tools" / "without-tools")],
    "tools/find-python": [str(ROOT / "tools" / "find-python")],
    "tools/legacy-python": [str(ROOT / "tools" / "legacy-python")],
    "e2e/system-packages": [str(ROOT / "e2e" / "system-packages")],
}
CPU_SECONDS = 1.0
WALL_SECONDS = 5.0

# Replaces argparse's parsing: prints every action of the parser (sub-commands included).
INTROSPECT = r"""
import argparse, json, os, runpy, sys
kind, target = sys.argv[1:]
def describe(parser, prefix):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from describe(sub, prefix + name + " ")
        elif not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            yield {"option": prefix + "/".join(action.option_strings or [action.dest]),
                   "help": action.help if action.help != argparse.SUPPRESS else None,
                   "has_default": action.nargs != 0
                                  and action.default not in (None, argparse.SUPPRESS, []),
                   "formatter_shows_defaults": issubclass(
                       parser.formatter_class, argparse.ArgumentDefaultsHelpFormatter)}
def report(parser, *args, **kwargs):
    print(json.dumps(list(describe(parser, ""))))
    raise SystemExit(0)
argparse.ArgumentParser.parse_known_args = report
sys.argv = [target, "--help"]
if kind == "module":
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
    runpy.run_path(target, run_name="__main__")
"""


@pytest.mark.parametrize("name", sorted(HELP_COMMANDS))
def test_help_answers_at_once(name: str) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([*HELP_COMMANDS[name], "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"{name} --help: {cpu:.2f} s CPU, {wall:.2f} s wall")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:")
    assert cpu < CPU_SECONDS and wall < WALL_SECONDS, f"{cpu:.2f} s CPU, {wall:.2f} s wall"


@pytest.mark.parametrize("name", sorted(PYTHON_COMMANDS))
def test_every_option_has_help_and_shows_its_default(name: str) -> None:
    kind, target = PYTHON_COMMANDS[name]
    result = subprocess.run([PY, "-c", INTROSPECT, kind, target], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    actions = json.loads(result.stdout.splitlines()[-1])
    undocumented = [a["option"] for a in actions if not (a["help"] or "").strip()]
    assert not undocumented, f"no help text: {undocumented}"
    hidden_defaults = [a["option"] for a in actions
                       if a["has_default"] and not a["formatter_shows_defaults"]
                       and "%(default)" not in a["help"] and "default" not in a["help"].lower()]
    assert not hidden_defaults, f"default not shown: {hidden_defaults}"
