"""On a machine with Python 3.12, make and gcc only, every command fails (if it must) in one
line that says what to install, before it installs or builds anything.

`tools/without-tools` gives a command such a machine's PATH: without the cross compiler,
qemu, debootstrap, clang and Docker, which CI installs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from helpers import ROOT

WITHOUT_TOOLS = str(ROOT / "tools" / "without-tools")
HIDDEN = ("aarch64-linux-gnu-gcc", "qemu-aarch64-static", "debootstrap", "clang", "docker")
# A make run by the test, not a sub-make of the one running the tests.
ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}


def without_tools(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([WITHOUT_TOOLS, *command], cwd=ROOT, env=ENV, capture_output=True,
                          text=True, timeout=120)


def test_without_tools_hides_the_tools_ci_installs_and_keeps_make_gcc_and_python() -> None:
    script = 'for t in "$@"; do command -v "$t" >/dev/null && echo "has $t"; done; true'
    result = without_tools("bash", "-c", script, "-", *HIDDEN, "make", "gcc", "cc", "python3")
    assert result.stdout.split("\n")[:-1] == ["has make", "has gcc", "has cc", "has python3"]


def test_the_arm64_parity_check_without_its_tools_says_what_to_install(tmp_path: Path) -> None:
    started = time.monotonic()
    result = without_tools("make", "-C", "app/native", "check", "CC=aarch64-linux-gnu-gcc",
                           "ARCH=aarch64", "RUN=qemu-aarch64-static -L /usr/aarch64-linux-gnu",
                           f"OUT={tmp_path / 'out'}")
    assert result.returncode != 0 and time.monotonic() - started < 30
    [line] = result.stderr.splitlines()
    assert "aarch64-linux-gnu-gcc qemu-aarch64-static not found" in line
    assert "gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static" in line
    assert not (tmp_path / "out").exists()


def test_make_fuzz_without_clang_stops_before_installing_anything() -> None:
    # -n: nothing runs but the check; -W: the fuzzing packages look out of date, so a
    # `pip install` would be listed if it came first.
    result = without_tools("make", "-n", "-W", "requirements/fuzz.txt", "fuzz")
    assert result.returncode != 0
    assert "pip install" not in result.stdout
    assert ("make fuzz needs clang with libFuzzer, not found: install Debian's clang and "
            "libclang-rt-dev [fuzz_toolchain_missing]") in result.stderr


def test_make_test_says_before_the_scanner_installs_what_it_installs() -> None:
    result = subprocess.run(["make", "-n", "-W", "requirements/security.txt", "scanner"],
                            cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "installing the IaC scanner (checkov) into .venv-checkov" in \
        result.stdout.splitlines()[0]


def test_load_test_outside_the_project_environment_fails_in_one_line() -> None:
    # -S: no site-packages, as the system's python without the project's dependencies.
    result = subprocess.run([sys.executable, "-S", "-m", "tools.load_test", "--invocations", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: numpy, xgboost, boto3, the project's own modules not "
                           "installed")
    assert ".venv/bin/python -m tools.load_test" in line and line.endswith(
        "[missing_dependency]")
