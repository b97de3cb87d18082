"""One contract for the model artifacts: the C parity check takes its tolerances from the file
written with the model (column by column), refuses a damaged one in one line, and the readers
go by the model's written source, never by a key they happen to find."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from artifact_contract import (
    ABSOLUTE_TOLERANCE,
    IMPORTED,
    METADATA_FILE,
    PARITY_FILE,
    PARITY_TOLERANCES_FILE,
    RELATIVE_TOLERANCE,
    TRAINED_DEMO,
    model_source,
    parity_criterion,
    within_tolerance,
)
from helpers import APP_DIR, MODEL_DIR, ROOT
from lambda_compare.single_payload import serves_imported_model
from model_build.build_gate import SANITIZE, SANITIZER_ENV, sanitizers_work
from model_build.demo_state import why_not_the_demo

NATIVE = APP_DIR / "native"


def check(model_dir: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """`make check`: build the library and checker for the model, run it on its parity file."""
    return subprocess.run(["make", "-s", "-C", str(NATIVE), "check", f"MODEL_DIR={model_dir}",
                           f"OUT={out}"], capture_output=True, text=True)


@pytest.fixture(scope="module")
def demo_checker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's parity checker, built once, under AddressSanitizer and UBSan where they run
    here: every copy of the demo's artifacts below is checked by it directly (exit status 1: a
    row is off, 2: the files cannot be read)."""
    out = tmp_path_factory.mktemp("checker")
    flags = [] if sanitizers_work("cc", out) else [f"CFLAGS={' '.join(SANITIZE)}"]
    subprocess.run(["make", "-s", "-C", str(NATIVE), "all", f"MODEL_DIR={MODEL_DIR}",
                    f"OUT={out}", *flags], check=True, capture_output=True)
    return out / "parity_check"


def run_checker(checker: Path, model_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(checker), str(model_dir / PARITY_FILE),
                           str(model_dir / PARITY_TOLERANCES_FILE)], capture_output=True,
                          text=True, errors="replace", env={**os.environ, **SANITIZER_ENV})


def copy_model(tmp_path: Path) -> Path:
    return Path(shutil.copytree(MODEL_DIR, tmp_path / "model"))


def write_lines(model_dir: Path, *lines: str) -> None:
    (model_dir / PARITY_TOLERANCES_FILE).write_text("".join(f"{ln}\n" for ln in lines))


@pytest.mark.parametrize("values,expected", [
    ("probability", ("absolute", ABSOLUTE_TOLERANCE)),
    ("label", ("absolute", ABSOLUTE_TOLERANCE)),
    ("margin", ("relative", RELATIVE_TOLERANCE)),
    ("value", ("relative", RELATIVE_TOLERANCE)),
    ("score", ("relative", RELATIVE_TOLERANCE)),
])
def test_each_kind_of_output_value_has_one_criterion(values: str, expected: tuple) -> None:
    assert parity_criterion(values) == expected


def test_relative_tolerance_scales_with_values_above_one() -> None:
    assert within_tolerance(1000.009, 1000.0, "value")
    assert not within_tolerance(1000.02, 1000.0, "value")
    assert not within_tolerance(0.5 + 2e-6, 0.5, "probability")


def test_the_native_makefile_reads_the_files_the_contract_names() -> None:
    makefile = (NATIVE / "Makefile").read_text()
    names = dict(re.findall(r"^(PARITY_\w*FILE) := (\S+)$", makefile, re.MULTILINE))
    assert names == {"PARITY_FILE": PARITY_FILE, "PARITY_TOLERANCES_FILE": PARITY_TOLERANCES_FILE}
    builders = (APP_DIR / "Dockerfile", NATIVE / "Makefile", ROOT / "local_lambda" / "image.py")
    for builder in builders:
        assert "TOLERANCE=" not in builder.read_text(), builder


def test_the_parity_check_takes_its_tolerances_from_the_artifacts(
        tmp_path: Path, demo_checker: Path) -> None:
    """A row 2e-6 off fails at the demo's absolute 1e-6; the same row passes once the file
    says relative 1e-5, so the criterion is read, not derived from the column's name."""
    model_dir = copy_model(tmp_path)
    parity = model_dir / PARITY_FILE
    lines = parity.read_text().splitlines()
    cells = lines[10].split(",")
    cells[-1] = repr(float(cells[-1]) + 2e-6)
    lines[10] = ",".join(cells)
    parity.write_text("\n".join(lines) + "\n")
    failed = run_checker(demo_checker, model_dir)
    assert failed.returncode == 1 and "max_abs_diff=2" in failed.stdout, failed.stdout
    assert "(row 9) tolerance=1e-06 FAILED" in failed.stdout
    write_lines(model_dir, "relative 1e-05 p_benign")
    passed = run_checker(demo_checker, model_dir)
    assert passed.returncode == 0 and "max_rel_diff=2" in passed.stdout, passed.stdout
    assert passed.stdout.rstrip().endswith("tolerance=1e-05 OK")


@pytest.mark.parametrize("lines,said", [
    ((), "has 0 output lines, the model gives 1 outputs"),
    (("# only a comment",), "has 0 output lines"),
    (("absolute 1e-06 p_benign", "absolute 1e-06 p_benign"), "more than the model's 1 outputs"),
    (("fuzzy 1e-06 p_benign",), "does not start with 'absolute ' or 'relative '"),
    (("absolute nan p_benign",), "needs a tolerance in (0, 1)"),
    (("absolute 2 p_benign",), "needs a tolerance in (0, 1)"),
    (("absolute 1e-06",), "needs a tolerance in (0, 1) and a column name"),
    (("absolute 1e-06 ",), "and a column name"),
    (("absolute 1e-06 p_malignant",), "output column 0 is 'p_benign' in the parity file, "
                                      "'p_malignant' in the tolerances file"),
    (("absolute 1e-06 " + "x" * 200_000,), "'p_benign' in the parity file, 'xxx"),
    (("absolute 1e-06 p_be\0nign",), "'p_be' in the tolerances file"),
])
def test_a_damaged_tolerances_file_is_refused_in_one_line(
        tmp_path: Path, demo_checker: Path, lines: tuple[str, ...], said: str) -> None:
    model_dir = copy_model(tmp_path)
    write_lines(model_dir, *lines)
    result = run_checker(demo_checker, model_dir)
    problem = [line for line in result.stderr.splitlines() if line.startswith("parity:")]
    assert result.returncode == 2 and "OK" not in result.stdout, result.stdout + result.stderr
    assert len(problem) == 1 and said in problem[0] and len(problem[0]) < 200, result.stderr
    assert "Sanitizer" not in result.stderr and "runtime error" not in result.stderr


def test_a_missing_tolerances_file_is_refused(tmp_path: Path, demo_checker: Path) -> None:
    model_dir = copy_model(tmp_path)
    (model_dir / PARITY_TOLERANCES_FILE).unlink()
    result = run_checker(demo_checker, model_dir)
    assert result.returncode == 2 and PARITY_TOLERANCES_FILE in result.stderr


def test_each_output_column_is_compared_by_its_own_line(tmp_path: Path) -> None:
    """Three class probabilities: the middle one 2e-6 off passes only where its own line
    says relative 1e-5, and the summary names the column closest to its tolerance."""
    from test_import_model import imported
    from user_models import train

    model_dir = imported(tmp_path, train("multi:softprob", rounds=4), "iris", "--layout",
                         "ifelse")
    names = (model_dir / PARITY_FILE).read_text().splitlines()[0].split(",")[-3:]
    parity = model_dir / PARITY_FILE
    lines = parity.read_text().splitlines()
    cells = lines[1].split(",")
    cells[-2] = repr(float(cells[-2]) + 2e-6)
    lines[1] = ",".join(cells)
    parity.write_text("\n".join(lines) + "\n")
    assert check(model_dir, tmp_path / "out").returncode != 0
    write_lines(model_dir, f"absolute 1e-06 {names[0]}", f"relative 1e-05 {names[1]}",
                f"absolute 1e-06 {names[2]}")
    mixed = check(model_dir, tmp_path / "out")
    assert mixed.returncode == 0, mixed.stdout + mixed.stderr
    assert "per-output max_mixed_diff:" in mixed.stdout
    assert re.search(r"max_rel_diff=2(\.\d+)?e-06 \(row 0\) tolerance=1e-05 OK", mixed.stdout)


def write_metadata(model_dir: Path, **changes: object) -> Path:
    metadata = json.loads((MODEL_DIR / METADATA_FILE).read_text())
    metadata.update(changes)
    metadata = {key: value for key, value in metadata.items() if value is not None}
    model_dir.mkdir(exist_ok=True)
    (model_dir / METADATA_FILE).write_text(json.dumps(metadata))
    return model_dir


def test_where_the_model_came_from_is_read_as_written(tmp_path: Path) -> None:
    demo = json.loads((MODEL_DIR / METADATA_FILE).read_text())
    assert model_source(demo) == TRAINED_DEMO and not serves_imported_model(MODEL_DIR)
    imported = write_metadata(tmp_path / "imported", model_source=IMPORTED)
    assert serves_imported_model(imported)
    # Older artifacts: no written source, so neither the compare tool nor `make model`
    # takes them for the demo, whatever other keys they hold.
    older = write_metadata(tmp_path / "older", model_source=None, schema_version=2)
    assert model_source(json.loads((older / METADATA_FILE).read_text())) is None
    assert serves_imported_model(older)
    assert "another contract (schema 2" in str(why_not_the_demo(older))
