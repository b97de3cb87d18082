"""Hostile model files: each gets one line `import_model: <code>: …` and a stable exit status,
never a traceback, a crash or a hang, and the previous app/model/ stays exactly as it was."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import xgboost as xgb

from fuzz.import_cases import CASES, CORPUS, base_booster, base_document, case_bytes
from helpers import ROOT
from model_build import import_model
from model_build.build_gate import run_gate
from model_build.import_errors import GateFailed
from model_build.split_rows import split_rows

IMPORT = ROOT / "train-code" / "import_model.py"
ONE_LINE = re.compile(r"import_model: ([a-z_]+): \S[^\n]*")


def run_import(model: Path, output_dir: Path, *options: str,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(IMPORT), str(model), "--output-dir",
                           str(output_dir), *options], capture_output=True, text=True,
                          timeout=600, env={**os.environ, **(env or {})})


def refusal(stderr: str) -> str:
    """The error code of the one `import_model:` line; no traceback anywhere."""
    lines = [line for line in stderr.splitlines() if line.startswith("import_model: ")
             and not line.startswith("import_model: note:")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-2000:]
    match = ONE_LINE.fullmatch(lines[0])
    assert match, lines[0]
    return match.group(1)


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_hostile_model_in_the_corpus_gets_its_one_line_answer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    case = CASES[name]
    output = tmp_path / "model"
    started = time.monotonic()
    status = import_model.main([str(CORPUS / name), "--output-dir", str(output)])
    captured = capsys.readouterr()
    assert refusal(captured.err) == case.code and status == case.status, captured.err
    assert time.monotonic() - started < 30 and not output.exists()
    assert not list(tmp_path.glob(".model-import-*")), "the staging directory is removed"


def test_every_corpus_file_is_a_case_with_an_expected_answer() -> None:
    """The files are written by `python -m fuzz.import_cases`; none is left unchecked."""
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(CASES)
    for name, case in CASES.items():
        if case.raw is not None:
            assert (CORPUS / name).read_bytes() == case_bytes(name), name


@pytest.fixture(scope="module")
def two_column_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sample = tmp_path_factory.mktemp("sample") / "rows.csv"
    sample.write_text("0.1,0.2\n-1.5,2.0\n,0.3\n3.0,\n")
    return sample


@pytest.mark.parametrize("name", ["split-index-out-of-range.json", "split-index-negative.json",
                                  "child-points-to-root.json", "nan-threshold.json",
                                  "inf-leaf.json", "self-loop.json"])
def test_the_issues_cases_with_a_sample_are_refused_not_crashed(
        tmp_path: Path, two_column_sample: Path, name: str) -> None:
    """A 2-column SAMPLE used to reach XGBoost's predict and the C: SIGSEGV or exit 0."""
    result = run_import(CORPUS / name, tmp_path / "model", "--sample", str(two_column_sample))
    assert result.returncode == CASES[name].status and result.returncode > 0, result.stderr
    assert refusal(result.stderr) == CASES[name].code and not (tmp_path / "model").exists()


def test_a_200_mb_attribute_is_refused_before_anything_parses_it(tmp_path: Path) -> None:
    document = base_document()
    document["learner"]["attributes"] = {"notes": "PLACEHOLDER"}
    head, tail = json.dumps(document).encode().split(b"PLACEHOLDER")
    model = tmp_path / "huge.json"
    with model.open("wb") as file:
        file.write(head)
        for _ in range(200):
            file.write(b"x" * (1 << 20))
        file.write(tail)
    started = time.monotonic()
    result = run_import(model, tmp_path / "model")
    assert result.returncode == 3 and refusal(result.stderr) == "over_limit", result.stderr
    assert "over 128 MiB (raise the cap with --max-file-mb)" in result.stderr
    result = run_import(model, tmp_path / "model", "--max-file-mb", "512")
    assert result.returncode == 3 and refusal(result.stderr) == "over_limit", result.stderr
    assert "a string of 209,715,200 bytes" in result.stderr
    assert time.monotonic() - started < 60 and not (tmp_path / "model").exists()


def test_small_attributes_are_dropped_from_the_served_model(tmp_path: Path) -> None:
    booster = base_booster()
    booster.set_attr(notes="trained on tuesday", best_iteration="1")
    model = tmp_path / "attrs.json"
    booster.save_model(model)
    result = run_import(model, tmp_path / "model")
    assert result.returncode == 0, result.stderr
    assert "attributes not served: best_iteration, notes" in result.stdout
    served = xgb.Booster(model_file=str(tmp_path / "model" / "model.ubj"))
    assert served.attributes() == {}
    assert b"trained on tuesday" not in (tmp_path / "model" / "model.ubj").read_bytes()


def test_a_failing_import_leaves_the_previous_model_byte_identical(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    base_booster().save_model(good)
    output = tmp_path / "app" / "model"
    first = run_import(good, output)
    assert first.returncode == 0 and "sanitizers=address,undefined" in first.stdout, first.stderr
    before = snapshot(output)
    assert {"model.ubj", "metadata.json", "parity.csv", "c/main.c"} <= set(before)
    refused = run_import(CORPUS / "split-index-out-of-range.json", output)
    assert refused.returncode == 2 and snapshot(output) == before
    # A model that passes every check but whose C cannot be built: the gate fails after
    # the new artifacts were written into the staging directory.
    other = tmp_path / "other.json"
    xgb.train({"objective": "reg:squarederror", "nthread": 1},
              xgb.DMatrix([[1.0, 2.0], [3.0, 4.0], [5.0, 1.0]], label=[1.0, 2.0, 3.0]),
              2).save_model(other)
    broken = run_import(other, output, env={"CC": "false"})
    assert broken.returncode == 4 and refusal(broken.stderr) == "gate_failed", broken.stderr
    assert snapshot(output) == before
    assert sorted(p.name for p in output.parent.iterdir()) == ["model"]
    replaced = run_import(other, output)
    assert replaced.returncode == 0 and snapshot(output) != before, replaced.stderr


def test_the_gate_catches_an_out_of_bounds_read_the_plain_build_misses(tmp_path: Path,
                                                                       monkeypatch) -> None:
    """As if validation were bypassed: the C of a 2-feature model made to read data[5]."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the gate's kept log goes here
    good = tmp_path / "good.json"
    base_booster().save_model(good)
    model_dir = tmp_path / "model"
    assert run_import(good, model_dir).returncode == 0
    main_c = model_dir / "c" / "main.c"
    text = main_c.read_text()
    assert "data[1]" in text
    main_c.write_text(text.replace("data[1]", "data[5]"))
    with pytest.raises(GateFailed) as refused:
        run_gate(model_dir, tmp_path / "build", lambda line: None)
    assert "AddressSanitizer: heap-buffer-overflow in predict" in str(refused.value)
    plain = subprocess.run(["make", "-s", "-C", str(ROOT / "app" / "native"), "check",
                            f"MODEL_DIR={model_dir}", f"OUT={tmp_path / 'plain'}"],
                           capture_output=True, text=True)
    assert "AddressSanitizer" not in plain.stdout + plain.stderr


def test_generated_rows_stop_on_a_cycle_even_without_the_checks() -> None:
    tree = {"left_children": [1, 0, -1], "right_children": [2, 2, -1],
            "split_indices": [0, 0, 0], "split_conditions": [0.5, 0.5, 1.0]}
    with pytest.raises(ValueError, match="not a tree"):
        split_rows([tree], 1)


@pytest.mark.parametrize("names,fragment", [
    ("a\nb\x00c", "control characters"),
])
def test_feature_names_given_with_a_nul_are_refused(tmp_path: Path, names: str,
                                                    fragment: str) -> None:
    listing = tmp_path / "names.txt"
    listing.write_text(names)
    model = tmp_path / "good.json"
    base_booster().save_model(model)
    result = run_import(model, tmp_path / "model", "--features", f"@{listing}")
    assert result.returncode == 2 and refusal(result.stderr) == "invalid_option"
    assert fragment in result.stderr


@pytest.mark.parametrize("flag,value,fragment", [
    ("--max-trees", "1", "2 trees (limit 1; raise it with --max-trees)"),
    ("--max-depth-cap", "1", "deeper than 1 levels (raise the cap with --max-depth-cap)"),
    ("--max-features", "1", "2 features (limit 1; raise it with --max-features)"),
    ("--max-nodes", "10", "over 10 nodes"),
])
def test_each_cap_refuses_with_its_flag_and_the_flag_raises_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str,
        fragment: str) -> None:
    model = tmp_path / "good.json"
    base_booster().save_model(model)
    status = import_model.main([str(model), "--output-dir", str(tmp_path / "m"), flag, value])
    err = capsys.readouterr().err
    assert status == 3 and refusal(err) == "over_limit" and fragment in err, err
