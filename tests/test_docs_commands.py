"""The commands in README.md and docs/*.md run as written on a fresh machine after `make demo`.

Each fenced shell command starts with a program that such a machine has (make, mkdir) or the
project installs (.venv/bin/..., tools/...): not a bare `sam`, `python` or `aws`, which live
only in .venv. Every file an example writes goes under results/ (ignored by git), never into
the repository's root.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from helpers import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(?:bash|sh|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SYSTEM_PROGRAMS = {"make", "mkdir"}
# Options and calls that write a file; an `aws lambda invoke` writes its last argument.
WRITES = re.compile(r"(?:--(?:json|csv|chart)\s+|save_model\(\s*[\"']|>>?\s*)([^\s\"')]+)")


def commands(page: Path) -> list[str]:
    """The page's shell commands, continuation lines and multi-line quotes joined."""
    found: list[str] = []
    for block in FENCE.findall(page.read_text(encoding="utf-8")):
        pending = ""
        for line in block.splitlines():
            pending += line + "\n"
            if pending.count("'") % 2 == 0 and not line.rstrip().endswith("\\"):
                command = " ".join(shlex.split(pending, comments=True))
                if command:
                    found.append(pending.strip())
                pending = ""
        assert not pending.strip(), f"{page.name}: unterminated command {pending!r}"
    return found


ALL = [(page.relative_to(ROOT).as_posix(), command) for page in PAGES
       for command in commands(page)]


def test_the_docs_have_commands_to_check() -> None:
    assert len(ALL) > 20 and {page for page, _ in ALL} >= {"README.md", "docs/deploy.md"}


@pytest.mark.parametrize(("page", "command"), ALL, ids=[f"{p}:{c[:40]}" for p, c in ALL])
def test_every_command_starts_with_a_program_a_fresh_machine_has(page: str,
                                                                 command: str) -> None:
    program = shlex.split(command, comments=True)[0]
    in_venv = program.startswith(".venv/bin/") and (Path(sys.executable).parent
                                                    / Path(program).name).exists()
    in_repository = "/" in program and not program.startswith(".venv/") and (
        ROOT / program).is_file()
    assert program in SYSTEM_PROGRAMS or in_venv or in_repository, (
        f"{page}: `{program}` is not on a fresh machine's PATH; write .venv/bin/{program} "
        "or a make target")


@pytest.mark.parametrize(("page", "command"), ALL, ids=[f"{p}:{c[:40]}" for p, c in ALL])
def test_every_file_an_example_writes_goes_under_results(page: str, command: str) -> None:
    written = WRITES.findall(command)
    words = shlex.split(command, comments=True)
    if words[:3] == [".venv/bin/aws", "lambda", "invoke"]:
        written.append(words[-1])
    outside = [path for path in written if not path.startswith("results/")]
    assert not outside, f"{page}: writes {outside} outside results/"
