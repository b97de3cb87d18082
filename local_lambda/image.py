"""Local "images": the task root that a function's Dockerfile would produce, laid out on disk.

The final stage chain of the Dockerfile is replayed for the function's build arguments:
- `COPY src ${LAMBDA_TASK_ROOT}/...` copies from the Docker context;
- `COPY --from=<stage> ...` builds the model library and the JSON codec for this host, into
  lib/, with the same `make -C native check` that stage runs for these arguments (so the same
  parity check gates it); nothing when the stage does not run it;
- `RUN pip install ... -r FILE` installs FILE into the task root with the same flags; `rm` of
  a file outside the task root has nothing to undo.
Anything else in the final chain is refused rather than silently skipped. Workers run the
interpreter without site-packages, with only the task root and the runtime client on the path,
so nothing from the development environment leaks into a function.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .dockerfile import Copy, Dockerfile, in_task_root, read_dockerfile

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".local-runtime"
RUNTIME_REQUIREMENTS = ROOT / "requirements" / "lambda-runtime.txt"
MODEL_LIBRARY = "libmodel.so"
CODEC_LIBRARY = "libcodec.so"  # built beside it by the same make
NATIVE_LIBRARIES = (MODEL_LIBRARY, CODEC_LIBRARY)
LIBRARY_DIR = "lib"  # where the library stage's out/ puts it, relative to the task root
LIBRARY_BUILD = "make -C native check"
Log = Callable[[str], None]


@dataclass(frozen=True)
class LocalImage:
    name: str
    task_root: Path
    runtime_dir: Path
    digest: str
    python: tuple[str, ...]  # how to start the interpreter (under qemu when emulated)
    machine: str = platform.machine()
    emulator: tuple[str, ...] = ()  # prefix that runs the emulator binary itself

    @property
    def uri(self) -> str:
        return f"local/{self.name}"

    @property
    def emulated(self) -> bool:
        return bool(self.emulator)


class ImageBuildError(RuntimeError):
    pass


def base_python() -> str:
    """The interpreter itself, not a virtual environment's wrapper: no site-packages come along."""
    return getattr(sys, "_base_executable", None) or sys.executable


def build_image(dockerfile_path: Path, build_args: dict[str, str], name: str,
                context: Path | None = None, state_dir: Path = STATE_DIR,
                log: Log = print) -> LocalImage:
    dockerfile = read_dockerfile(dockerfile_path)
    context = (context or dockerfile_path.parent).resolve()
    runtime_dir = ensure_runtime_client(state_dir / "runtime", log)
    task_root = state_dir / "images" / f"{name}-{platform.machine()}" / "task"
    staging = task_root.with_name("task.new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    outside: dict[str, Path] = {}
    args = dockerfile.args(build_args)
    for stage in dockerfile.chain(build_args):
        for copy in stage.copies:
            if copy.from_stage is not None:
                _replay_stage_copy(dockerfile, copy, args, context, staging, state_dir, log)
            else:
                _replay_copy(copy, context, staging, outside)
        for command in stage.runs_for(args):
            _replay_run(command, staging, outside, log)
    digest = tree_digest(staging)
    if task_root.exists() and tree_digest(task_root) == digest:
        shutil.rmtree(staging)
    else:
        shutil.rmtree(task_root, ignore_errors=True)
        staging.rename(task_root)
    return LocalImage(name, task_root, runtime_dir, digest, (base_python(),))


def ensure_runtime_client(runtime_dir: Path, log: Log, pip_flags: tuple[str, ...] = (),
                          error: type[ImageBuildError] = ImageBuildError) -> Path:
    """awslambdaric and its dependencies, as the Lambda Python base image carries them.

    Installed once per requirements file; `pip_flags` pick another platform's wheels.
    """
    stamp = runtime_dir / ".requirements"
    wanted = RUNTIME_REQUIREMENTS.read_text()
    if stamp.is_file() and stamp.read_text() == wanted:
        return runtime_dir
    shutil.rmtree(runtime_dir, ignore_errors=True)
    runtime_dir.mkdir(parents=True)
    _pip_install(RUNTIME_REQUIREMENTS, runtime_dir, list(pip_flags), log, error)
    stamp.write_text(wanted)
    return runtime_dir


def build_model_library(context: Path, out_root: Path, log: Log, make_args: tuple[str, ...] = (),
                        error: type[ImageBuildError] = ImageBuildError) -> Path:
    """`make -C native check` under `out_root`: the library is built and passes the parity check.

    One build directory per model source: make goes by file times, and a model written
    before the last build of another model must not find that model's library up to date.
    """
    source = hashlib.sha256()
    for name in ("main.c", "header.h"):
        path = context / "model" / "c" / name
        source.update(path.read_bytes() if path.is_file() else b"")
    out = out_root / source.hexdigest()[:16]
    result = subprocess.run(
        ["make", "-s", "-C", str(context / "native"), "check", f"OUT={out}",
         f"MODEL_DIR={context / 'model'}", *make_args],
        capture_output=True, text=True)
    if result.returncode != 0:
        raise error("model library build or parity check failed:\n"
                    + result.stdout + result.stderr)
    log(result.stdout.strip())
    return out / MODEL_LIBRARY


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _replay_stage_copy(dockerfile: Dockerfile, copy: Copy, args: dict[str, str],
                       context: Path, staging: Path, state_dir: Path, log: Log) -> None:
    target = in_task_root(copy.destination)
    stage = dockerfile.stages.get(copy.from_stage or "")
    if target is None or stage is None:
        raise ImageBuildError(f"cannot replay `COPY --from={copy.from_stage}` of "
                              f"{copy.sources} locally")
    if any(LIBRARY_BUILD in command for command in stage.runs_for(args)):
        _build_model_library(context, staging / target / LIBRARY_DIR, state_dir, log)


def _replay_copy(copy: Copy, context: Path, staging: Path, outside: dict[str, Path]) -> None:
    target = in_task_root(copy.destination)
    for source in copy.sources:
        path = context / source
        if not path.exists():
            hint = " (run `make model`)" if source.startswith("model") else ""
            raise ImageBuildError(f"{path} does not exist{hint}")
        if target is None:
            outside[copy.destination] = path
            continue
        if target == "" or (copy.destination.endswith("/") and path.is_file()):
            destination = staging / target / path.name
        else:
            destination = staging / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, destination, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, destination)


def _replay_run(command: str, staging: Path, outside: dict[str, Path], log: Log) -> None:
    if "compileall" in command:
        _compile(staging)
        return
    words = shlex.split(command)
    if words[0] == "rm" and all(in_task_root(w) is None for w in words[1:]):
        return
    if "pip install" not in command:
        raise ImageBuildError(f"cannot replay `RUN {command}` of the final image locally")
    words = shlex.split(command.split("&&")[0])
    requirements = words[words.index("-r") + 1]
    source = outside.get(requirements)
    if source is None:
        raise ImageBuildError(f"`RUN {command}` installs {requirements}, which no COPY provides")
    flags = [w for w in words if w in ("--require-hashes", "--only-binary=:all:")]
    _pip_install(source, staging, flags, log)


def _compile(root: Path) -> None:
    """Bytecode ahead of time, as the image build does: cold starts then skip compiling."""
    result = subprocess.run([base_python(), "-m", "compileall", "-q", str(root)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise ImageBuildError(f"compileall failed:\n{result.stdout}{result.stderr}")


def _build_model_library(context: Path, destination: Path, state_dir: Path, log: Log) -> None:
    library = build_model_library(context, state_dir / "native" / platform.machine(), log)
    destination.mkdir(parents=True, exist_ok=True)
    for name in NATIVE_LIBRARIES:
        shutil.copy2(library.with_name(name), destination / name)


def _pip_install(requirements: Path, target: Path, flags: list[str], log: Log,
                 error: type[ImageBuildError] = ImageBuildError) -> None:
    log(f"installing {requirements.name} into {target}")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--target", str(target), "-r", str(requirements), *flags],
        capture_output=True, text=True, env={**os.environ, "PIP_NO_INPUT": "1"})
    if result.returncode != 0:
        raise error(f"pip could not install {requirements}:\n{result.stderr[-3000:]}")


def image_name(build_args: dict[str, str], context: Path) -> str:
    """Functions built from the same context with the same arguments share one image."""
    key = hashlib.sha256(repr((str(context), sorted(build_args.items()))).encode()).hexdigest()
    return re.sub(r"[^a-z0-9-]", "-", f"{context.name}-{key[:10]}".lower())
