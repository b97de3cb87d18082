"""Build and run every fuzz target for a bounded time; exit 1 on any finding.

    .venv/bin/python -m fuzz.run --seconds 60            # what `make fuzz` and CI run
    .venv/bin/python -m fuzz.run --seconds 600 writer    # one target, longer

C targets (reader, tensor, predictor, writer: every entry point the function calls through
ctypes; arrays: the predictor on a model in the arrays layout with categorical splits, built by
fuzz/arrays_model.py, so predict_arrays.c's walker is fuzzed too) are built with clang's
libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer; the handler target runs
lambda_handler under atheris, the import target the importer's model checks and XGBoost's load
(fuzz/import_fuzz.py). They start from a corpus seeded with events/ (import: a small real
model as JSON and UBJSON) and keep what they find in fuzz/build/corpus/, so later runs start
further on.
A crashing input is kept in fuzz/build/findings/ (reproduce: `<binary> <file>`); once fixed,
it belongs in fuzz/regressions/<target>/, which every run replays before fuzzing.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from devkit.paths import EVENTS_DIR, MODEL_DIR, ROOT

FUZZ = ROOT / "fuzz"
BUILD = FUZZ / "build"
MODEL_C = MODEL_DIR / "c"
NATIVE = ROOT / "app" / "native"
C_TARGETS = ("reader", "tensor", "predictor", "writer", "arrays")
# What app/native links into each library: the model's (with model/c/main.c) and the codec's.
MODEL_SOURCES = ("predict_batch.c", "predict_arrays.c")
CODEC_SOURCES = ("json_io.c", "tensor_io.c")
MODEL_TARGETS = ("reader", "predictor", "arrays")  # the reader: at the model's width
ATHERIS_TARGETS = {"handler": "fuzz.handler_fuzz", "import": "fuzz.import_fuzz"}
TARGETS = (*C_TARGETS, *ATHERIS_TARGETS)
SANITIZE = ["-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all"]
DONE = re.compile(r"Done (\d+) runs in (\d+) second")
INSTALL = "install Debian's clang and libclang-rt-dev"
EMPTY_TARGET = b"int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n"


def toolchain_problem(clang: str) -> str | None:
    """Why the C targets cannot be built here (clang or its libFuzzer runtime missing), or None.

    Stdlib only: `make fuzz` runs it before installing anything.
    """
    if shutil.which(clang) is None:
        return f"make fuzz needs {clang} with libFuzzer, not found: {INSTALL}"
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run([clang, *SANITIZE, "-x", "c", "-", "-o", f"{scratch}/empty"],
                                input=EMPTY_TARGET, capture_output=True)
    if result.returncode != 0:
        return (f"make fuzz needs libFuzzer and the sanitizers' runtime for {clang}, which "
                f"cannot link a fuzz target here: {INSTALL}")
    return None


def build(target: str, clang: str) -> Path:
    binary = BUILD / f"{target}_fuzz"
    model_c = MODEL_C
    if target == "arrays":
        model_dir = BUILD / "arrays-model"
        subprocess.run([sys.executable, "-m", "fuzz.arrays_model", str(model_dir)], check=True,
                       cwd=ROOT)
        model_c = model_dir / "c"
    harness = FUZZ / f"{'predictor' if target == 'arrays' else target}_fuzz.c"
    model = [model_c / "main.c", *(NATIVE / name for name in MODEL_SOURCES)]
    sources = [harness, *(NATIVE / name for name in CODEC_SOURCES),
               *(model if target in MODEL_TARGETS else [])]
    subprocess.run([clang, "-g", "-O1", "-std=c11", "-ffp-contract=off", "-pthread", *SANITIZE,
                    f"-I{model_c}", f"-I{NATIVE}", f"-I{FUZZ}", *map(str, sources), "-lm",
                    "-o", str(binary)], check=True)
    return binary


def seed(target: str) -> Path:
    """The target's corpus, seeded from events/ (bodies of HTTP events included)."""
    corpus = BUILD / "corpus" / target
    corpus.mkdir(parents=True, exist_ok=True)
    if target == "import":
        from fuzz.import_cases import base_document, ubjson

        document = base_document()
        (corpus / "seed-model.json").write_text(json.dumps(document))
        (corpus / "seed-model.ubj").write_bytes(ubjson(document))
        (corpus / "seed-edits").write_bytes(b"\x00" + bytes(range(64)))
        return corpus
    for event in sorted(EVENTS_DIR.rglob("*.json")):
        data = event.read_bytes()
        if target == "handler":  # first byte: 0 direct invoke, 1 text body
            (corpus / f"seed-direct-{event.stem}").write_bytes(b"\x00" + data)
            (corpus / f"seed-body-{event.stem}").write_bytes(b"\x01" + data)
        else:
            (corpus / f"seed-{event.stem}").write_bytes(data)
    return corpus


def command(target: str, clang: str) -> list[str]:
    if target in ATHERIS_TARGETS:
        return [sys.executable, "-m", ATHERIS_TARGETS[target]]
    return [str(build(target, clang))]


def run(target: str, seconds: int, clang: str) -> tuple[bool, str]:
    findings = BUILD / "findings"
    findings.mkdir(parents=True, exist_ok=True)
    regressions = FUZZ / "regressions" / target  # every finding so far, replayed first
    corpora = [str(seed(target)), *([str(regressions)] if regressions.is_dir() else [])]
    argv = [*command(target, clang), *corpora, f"-max_total_time={seconds}",
            "-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1",
            f"-artifact_prefix={findings}/{target}-"]
    started = time.monotonic()
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", cwd=ROOT)
    elapsed = time.monotonic() - started
    done = DONE.search(result.stdout)
    runs = done.group(1) if done else "?"
    ok = result.returncode == 0 and done is not None
    line = (f"fuzz {target:9} {runs:>10} executions in {elapsed:6.0f} s  "
            f"{'0 findings' if ok else f'FINDING (exit {result.returncode})'}")
    if not ok:
        (BUILD / f"{target}.log").write_text(result.stdout)
        line += f"\n{result.stdout[-3000:]}"
    return ok, line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", metavar="target",
                        help=f"any of {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--seconds", type=int, default=60,
                        help="time per target (default: %(default)s)")
    parser.add_argument("--clang", default="clang",
                        help="the clang that builds the C targets (default: %(default)s)")
    parser.add_argument("--check-toolchain", action="store_true",
                        help="only check that clang can build a fuzz target, then exit")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    problem = toolchain_problem(args.clang)
    if problem or args.check_toolchain:
        print(f"error: {problem} [fuzz_toolchain_missing]" if problem else
              f"{args.clang} builds fuzz targets", file=sys.stderr)
        return 2 if problem else 0
    BUILD.mkdir(parents=True, exist_ok=True)
    all_ok = True
    for target in args.targets or TARGETS:
        ok, line = run(target, args.seconds, args.clang)
        print(line, flush=True)
        all_ok &= ok
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
