"""TL2cgen's Treelite-version warning: real with the pinned versions, left out of every import
and training (whose parity gate proves the checkpoint read right), and nothing else with it."""

from __future__ import annotations

import os
import subprocess
import sys

from model_build.c_source import tl2cgen_source
from model_build.native_messages import known_messages_left_out, without_known
from user_models import train

RAW_TL2CGEN = r"""
import sys, tempfile
from pathlib import Path
import tl2cgen, treelite
with tempfile.TemporaryDirectory() as scratch:
    tl2cgen.generate_c_code(treelite.frontend.load_xgboost_model(sys.argv[1]),
                            dirpath=Path(scratch) / "c", params={})
"""


def test_the_pinned_tl2cgen_prints_the_treelite_warning_and_only_it_is_left_out(
        tmp_path) -> None:
    model = tmp_path / "model.json"
    train("binary:logistic", rounds=2).save_model(model)
    raw = subprocess.run([sys.executable, "-c", RAW_TL2CGEN, str(model)], capture_output=True,
                         text=True, check=True)
    printed = raw.stderr + raw.stdout
    assert "Currently running Treelite version 4.1.2" in printed
    assert "The model checkpoint was generated from Treelite version 4.8.1" in printed
    rest, seen = without_known(printed + "something else\n")
    assert "treelite-version" in seen and "Treelite" not in rest
    assert rest.strip().splitlines()[-1] == "something else"


def test_generating_c_prints_nothing(tmp_path, capfd) -> None:
    header, main_c = tl2cgen_source(train("multi:softprob", rounds=2))
    assert "predict" in main_c and header
    assert capfd.readouterr() == ("", "")


def test_any_other_native_message_is_passed_on(capfd) -> None:
    seen: list[str] = []
    with known_messages_left_out(seen):
        os.write(2, b"[10:00:00] /src/serializer.cc:202: The model you are loading originated "
                    b"from a newer Treelite version; x\nCurrently running Treelite version "
                    b"4.1.2\nThe model checkpoint was generated from Treelite version 4.8.1\n")
        os.write(2, b"a real problem\n")
        print("a log line")
    assert seen == ["treelite-version"]
    assert capfd.readouterr().err == "a real problem\na log line\n"
