"""Emulated arm64 (`--emulate-arm64`): the arm64 function really executes aarch64 code.

The arm64 Runtime Interface Emulator runs under qemu-aarch64-static; it starts an aarch64
Python (Debian's, unpacked by `debootstrap --foreign`, so no binfmt and no chroot are needed)
under qemu as well, with aarch64 wheels of the runtime interface client and the model library
cross-compiled for aarch64 behind the same parity check. Slow (INIT takes seconds) and
labelled emulated everywhere. Images with other native code (the xgboost engine's wheels) are
refused rather than run half-emulated.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .image import (
    NATIVE_LIBRARIES,
    ImageBuildError,
    LocalImage,
    Log,
    build_model_library,
    ensure_runtime_client,
    tree_digest,
)

QEMU = "qemu-aarch64-static"
CROSS_CC = "aarch64-linux-gnu-gcc"
CROSS_SYSROOT = "/usr/aarch64-linux-gnu"
SUITE = "bookworm"
MIRROR = os.environ.get("LOCAL_LAMBDA_DEBIAN_MIRROR", "http://deb.debian.org/debian")
TOOLS = {QEMU: "qemu-user-static", CROSS_CC: "gcc-aarch64-linux-gnu", "debootstrap":
         "debootstrap", "dpkg-deb": "dpkg"}


class EmulationUnavailable(ImageBuildError):
    pass


def check_tools() -> None:
    missing = [f"{tool} (Debian: {package})" for tool, package in TOOLS.items()
               if shutil.which(tool) is None]
    if missing:
        raise EmulationUnavailable("--emulate-arm64 needs " + ", ".join(missing))


def ensure_root(state_dir: Path, log: Log) -> Path:
    """An aarch64 Debian with Python, unpacked but never configured: enough to run python3."""
    root = state_dir / "arm64" / "root"
    stamp = root / ".unpacked"
    if stamp.is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    log(f"debootstrap: fetching an aarch64 Debian {SUITE} with Python (first use only)")
    result = subprocess.run(["debootstrap", "--foreign", "--arch=arm64", "--variant=minbase",
                             "--include=python3", SUITE, str(root), MIRROR],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise EmulationUnavailable(f"debootstrap failed:\n{result.stdout[-2000:]}"
                                   f"{result.stderr[-2000:]}")
    for package in sorted((root / "var" / "cache" / "apt" / "archives").glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(package), str(root)], check=True)
    stamp.write_text(SUITE + "\n")
    return root


def python_version(root: Path) -> str:
    target = os.readlink(root / "usr" / "bin" / "python3")  # e.g. "python3.11"
    return target.removeprefix("python")


def aarch64_runtime_client(state_dir: Path, version: str, log: Log) -> Path:
    """The runtime interface client's aarch64 wheels for the emulated root's Python."""
    return ensure_runtime_client(
        state_dir / "arm64" / f"runtime-{version}", log,
        ("--platform", "manylinux2014_aarch64", "--python-version", version,
         "--implementation", "cp", "--only-binary=:all:"), EmulationUnavailable)


def emulated_image(host: LocalImage, context: Path, state_dir: Path, log: Log) -> LocalImage:
    """The host image's task root with every native part rebuilt for aarch64."""
    check_tools()
    root = ensure_root(state_dir, log)
    runtime = aarch64_runtime_client(state_dir, python_version(root), log)
    task_root = state_dir / "arm64" / "images" / host.name / "task"
    shutil.rmtree(task_root, ignore_errors=True)
    shutil.copytree(host.task_root, task_root, ignore=shutil.ignore_patterns("__pycache__"))
    library: Path | None = None  # built once, for both native libraries
    for path in task_root.rglob("*"):
        if not path.is_file() or path.read_bytes()[:4] != b"\x7fELF":
            continue
        if path.name not in NATIVE_LIBRARIES:
            raise EmulationUnavailable(
                f"{host.name} holds host-native code ({path.relative_to(task_root)}); only "
                "pure-Python images, the compiled model library and the JSON codec can be "
                "emulated")
        library = library or build_model_library(
            context, state_dir / "native" / "aarch64", log,
            (f"CC={CROSS_CC}", "ARCH=aarch64", f"RUN={QEMU} -L {CROSS_SYSROOT}"),
            EmulationUnavailable)
        path.write_bytes(library.with_name(path.name).read_bytes())
    return LocalImage(
        name=f"{host.name}-arm64-emulated", task_root=task_root, runtime_dir=runtime,
        digest=tree_digest(task_root),
        python=(shutil.which(QEMU) or QEMU, "-L", str(root), str(root / "usr/bin/python3")),
        machine="aarch64", emulator=(shutil.which(QEMU) or QEMU,),
    )
