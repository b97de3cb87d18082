"""The import's gate: compile the generated C and run the parity check, under sanitizers.

The same `make -C app/native check` the image build runs, on the staged artifacts, but
built with AddressSanitizer and UndefinedBehaviorSanitizer: C that reads past its row
buffer or does undefined arithmetic fails the import even when its outputs happen to
match. Where the compiler has no sanitizer runtime, the gate runs without it and says so.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from model_build.checkout import NATIVE_DIR
from model_build.import_errors import GateFailed

# -O0: on a 600-tree model's C, ASan at -O1 compiles 7x slower and finds nothing more.
# float-cast-overflow: a categorical split must never cast a value outside int's range.
SANITIZERS = "address,undefined,float-cast-overflow"
SANITIZE = ("-O0", "-g", "-fno-omit-frame-pointer", f"-fsanitize={SANITIZERS}",
            "-fno-sanitize-recover=all")
SANITIZER_ENV = {"ASAN_OPTIONS": "detect_leaks=0:halt_on_error=1:abort_on_error=0",
                 "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"}
TIMEOUT_SECONDS = 1800
_PROBE = "#include <stdlib.h>\nint main(void) { char *p = malloc(4); free(p); return 0; }\n"
_FINDING = re.compile(r"(AddressSanitizer: [\w-]+|runtime error: [^\n]{0,120}|"
                      r"LeakSanitizer: [\w-]+)")
_WHERE = re.compile(r"SUMMARY: \w+Sanitizer: \S+ \S+ in (\w+)")
_COMPILE_ERROR = re.compile(r"error: [^\n]{0,160}")
_PARITY = re.compile(r"^parity arch=.*$", re.MULTILINE)


def compiler() -> str:
    return os.environ.get("CC") or "cc"


def sanitizers_work(cc: str, scratch: Path) -> str | None:
    """None when `cc` builds and runs a sanitized program here; else why not."""
    source, binary = scratch / "probe.c", scratch / "probe"
    source.write_text(_PROBE, encoding="utf-8")
    try:
        subprocess.run([cc, *SANITIZE, str(source), "-o", str(binary)], check=True,
                       capture_output=True, timeout=120)
        subprocess.run([str(binary)], check=True, capture_output=True, timeout=60,
                       env={**os.environ, **SANITIZER_ENV})
    except (OSError, subprocess.SubprocessError) as error:
        return (f"{cc} cannot build or run -fsanitize=address,undefined here "
                f"({type(error).__name__})")
    return None


def run_gate(model_dir: Path, build_dir: Path, note: Callable[[str], None]) -> str:
    """The parity line of a passing gate, or GateFailed with the first finding."""
    build_dir.mkdir(parents=True, exist_ok=True)
    cc = compiler()
    missing = sanitizers_work(cc, build_dir)
    if missing:
        note(f"import_model: note: the gate runs without sanitizers: {missing}")
    cflags = " ".join(SANITIZE) if not missing else "-O2"
    command = ["make", "-s", "-C", str(NATIVE_DIR), "check", f"MODEL_DIR={model_dir}",
               f"OUT={build_dir}", f"CC={cc}", f"CFLAGS={cflags}"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, errors="replace",
                                timeout=TIMEOUT_SECONDS, env={**os.environ, **SANITIZER_ENV})
    except subprocess.TimeoutExpired:
        raise GateFailed(f"compiling and checking the generated C took over {TIMEOUT_SECONDS} s"
                         ) from None
    except OSError as error:
        raise GateFailed(f"cannot run make to compile the generated C ({error})") from None
    output = result.stdout + result.stderr
    parity = _PARITY.search(result.stdout)
    if result.returncode == 0 and parity and parity.group().endswith(" OK"):
        return parity.group() + (f" sanitizers={SANITIZERS}" if not missing else "")
    raise GateFailed(f"{_reason(output)}; nothing was written (full log: {_keep_log(output)})")


def _reason(output: str) -> str:
    finding = _FINDING.search(output)
    if finding:
        where = _WHERE.search(output)
        return (f"the compiled model is memory-unsafe or undefined: {finding.group()}"
                + (f" in {where.group(1)}" if where else ""))
    parity = _PARITY.search(output)
    if parity:
        return f"the compiled model does not match XGBoost: {parity.group()}"
    error = _COMPILE_ERROR.search(output)
    if error:
        return f"the generated C does not compile: {error.group()}"
    lines = [line for line in output.splitlines() if line.strip()]
    return "the gate failed: " + (lines[-1][:200] if lines else "no output")


def _keep_log(output: str) -> str:
    with tempfile.NamedTemporaryFile("w", prefix="import_model-gate-", suffix=".log",
                                     delete=False, encoding="utf-8") as log:
        log.write(output)
    return log.name
