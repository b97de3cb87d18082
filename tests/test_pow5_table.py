"""app/native/pow5_table.h is exactly what gen_pow5_table.py writes: the number reader's
powers of five cannot drift from the generator that documents how they were derived.
Regenerate with `cd app/native && python3 gen_pow5_table.py > pow5_table.h`."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT

NATIVE = ROOT / "app" / "native"


def test_the_committed_table_is_the_generators_output() -> None:
    generated = subprocess.run([sys.executable, "gen_pow5_table.py"], cwd=NATIVE, check=True,
                               capture_output=True, text=True, timeout=60).stdout
    assert generated == (NATIVE / "pow5_table.h").read_text(encoding="ascii"), (
        "pow5_table.h differs from gen_pow5_table.py's output: regenerate it")
