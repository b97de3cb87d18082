"""The Lambda Python base image for each platform: pulled when the registry answers, else a
stand-in built here, which says so and names every way it differs from the real image.

The stand-in is Debian's root file system (debootstrap, cached per architecture) with the
Lambda image's layout: /lambda-entrypoint.sh, /var/runtime/bootstrap running
`python -m awslambdaric "$_HANDLER"`, LAMBDA_TASK_ROOT=/var/task, the Runtime Interface
Emulator at /usr/local/bin/aws-lambda-rie, gcc and make. It is imported as `FROM scratch` +
`ADD rootfs.tar /` under `docker build --platform` (Docker 20.10's `docker import --platform`
labels an arm64 file system amd64).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import docker

from local_lambda.image import RUNTIME_REQUIREMENTS
from local_lambda.worker import rie_binary

STAND_IN_FILES = Path(__file__).resolve().parent / "standin"
REAL_IMAGE = "public.ecr.aws/lambda/python:3.12"
STAND_IN_TAG = "sam-e2e/lambda-python-stand-in"
SUITE, MIRROR = "bookworm", "http://deb.debian.org/debian"
PACKAGES = "python3,gcc,make,libc6-dev"
AL2023_GLIBC = "2.34"


@dataclass(frozen=True)
class Arch:
    platform: str  # Docker's name
    debian: str
    machine: str  # as the kernel names it
    wheel_platforms: tuple[str, ...]


ARCHES = (
    Arch("linux/arm64", "arm64", "aarch64",
         ("manylinux2014_aarch64", "manylinux_2_28_aarch64")),
    Arch("linux/amd64", "amd64", "x86_64",
         ("manylinux2014_x86_64", "manylinux_2_28_x86_64")),
)
Log = Callable[[str], None]


@dataclass(frozen=True)
class BaseImages:
    by_platform: dict[str, str]  # platform -> image name
    stand_in: bool
    differences: tuple[str, ...] = ()


def base_images(client: docker.DockerClient, cache_dir: Path, log: Log) -> BaseImages:
    pulled = {arch.platform: _pull(client, arch.platform, log) for arch in ARCHES}
    if all(pulled.values()):
        return BaseImages({k: v for k, v in pulled.items() if v}, stand_in=False)
    log(f"{REAL_IMAGE} cannot be pulled here: building a STAND-IN base image for each platform")
    with ThreadPoolExecutor(len(ARCHES)) as pool:  # debootstrap mostly waits on downloads
        tars = dict(zip(ARCHES, pool.map(lambda arch: _rootfs_tar(arch, cache_dir, log), ARCHES),
                        strict=True))
    images = {arch.platform: _stand_in(client, arch, tars[arch], cache_dir, log)
              for arch in ARCHES}
    python, glibc = _versions(client, images["linux/amd64"])
    return BaseImages(images, stand_in=True, differences=_differences(python, glibc))


def _pull(client: docker.DockerClient, platform: str, log: Log) -> str | None:
    try:
        image = client.images.pull(REAL_IMAGE, platform=platform)
    except docker.errors.DockerException as error:
        reason = getattr(error, "explanation", None) or str(error)
        log(f"pull {REAL_IMAGE} ({platform}): {str(reason).splitlines()[0][:160]}")
        return None
    log(f"pulled {REAL_IMAGE} for {platform}: {image.id}")
    return REAL_IMAGE


def _differences(python: str, glibc: str) -> tuple[str, ...]:
    runtime = " ".join(line for line in RUNTIME_REQUIREMENTS.read_text().splitlines()
                       if line and not line.startswith("#"))
    return (
        f"Debian 12 ({SUITE}) root file system made with debootstrap, not Amazon Linux 2023",
        f"Python {python} (Debian's /usr/bin/python3), not Python 3.12 (/var/lang/bin)",
        f"glibc {glibc}, not AL2023's {AL2023_GLIBC}",
        f"runtime interface client from PyPI wheels ({runtime}) in /var/runtime, not the "
        "image's own build",
        "/lambda-entrypoint.sh and /var/runtime/bootstrap re-created in their essentials; "
        "environment: LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR, LANG, TZ, PATH only",
        "the Runtime Interface Emulator is aws-sam-cli's copy",
        "`dnf` is a shim that checks gcc and make are preinstalled (the real image's dnf is "
        "microdnf and installs them from the AL2023 repositories)",
        "no pip: ENGINE=xgboost images cannot be built on it",
    )


def _stand_in(client: docker.DockerClient, arch: Arch, rootfs_tar: Path, cache_dir: Path,
              log: Log) -> str:
    with tempfile.TemporaryDirectory(dir=cache_dir) as context:
        os.link(rootfs_tar, Path(context) / "rootfs.tar")
        shutil.copy(STAND_IN_FILES / "Dockerfile", context)
        image, _ = client.images.build(path=context, platform=arch.platform, rm=True,
                                       tag=f"{STAND_IN_TAG}:{arch.debian}")
    architecture = image.attrs["Architecture"]
    if architecture != arch.debian:
        raise RuntimeError(f"stand-in for {arch.platform} is labelled {architecture}")
    name = f"{STAND_IN_TAG}:{arch.debian}"
    log(f"STAND-IN base image for {arch.platform}: {name} ({image.id})")
    return name


def _rootfs_tar(arch: Arch, cache_dir: Path, log: Log) -> Path:
    """Debian with the Lambda layout as one tar, cached under a key of everything put in it."""
    tar = cache_dir / f"rootfs-{SUITE}-{arch.debian}-{_inputs_key(arch)}.tar"
    if tar.exists():
        log(f"stand-in root file system for {arch.debian}: cached {tar.name}")
        return tar
    for stale in cache_dir.glob(f"rootfs-{SUITE}-{arch.debian}-*.tar"):
        stale.unlink()
    rootfs = cache_dir / f"rootfs-{arch.debian}.partial"
    shutil.rmtree(rootfs, ignore_errors=True)
    slow = ", second stage under qemu: minutes" if arch.machine != os.uname().machine else ""
    log(f"stand-in root file system for {arch.debian}: debootstrap {SUITE} +{PACKAGES}{slow}")
    _run(["debootstrap", f"--arch={arch.debian}", "--variant=minbase", f"--include={PACKAGES}",
          SUITE, str(rootfs), MIRROR])
    _lambda_layout(rootfs, arch)
    _run(["tar", "-C", str(rootfs), "--numeric-owner", "-cf", f"{tar}.partial", "."])
    os.replace(f"{tar}.partial", tar)
    shutil.rmtree(rootfs)
    return tar


def _lambda_layout(rootfs: Path, arch: Arch) -> None:
    rie = rie_binary(arch.machine)
    for source, target in ((STAND_IN_FILES / "lambda-entrypoint.sh", "lambda-entrypoint.sh"),
                           (STAND_IN_FILES / "bootstrap", "var/runtime/bootstrap"),
                           (STAND_IN_FILES / "dnf", "usr/bin/dnf"),
                           (rie, "usr/local/bin/aws-lambda-rie")):
        (rootfs / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, rootfs / target)
        (rootfs / target).chmod(0o755)
    (rootfs / "usr/local/bin/python").symlink_to("/usr/bin/python3")
    (rootfs / "var/task").mkdir(parents=True, exist_ok=True)
    platforms = [flag for name in arch.wheel_platforms for flag in ("--platform", name)]
    _run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
          "--target", str(rootfs / "var/runtime"), "--only-binary=:all:", *platforms,
          "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
          "-r", str(RUNTIME_REQUIREMENTS)])
    for junk in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc",
                 "usr/share/man", "usr/share/info", "usr/share/locale"):
        shutil.rmtree(rootfs / junk, ignore_errors=True)


def _inputs_key(arch: Arch) -> str:
    digest = hashlib.sha256(f"{SUITE} {MIRROR} {PACKAGES} {arch}".encode())
    for path in [*sorted(STAND_IN_FILES.iterdir()), RUNTIME_REQUIREMENTS,
                 rie_binary(arch.machine)]:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]


def _versions(client: docker.DockerClient, image: str) -> tuple[str, str]:
    output = client.containers.run(
        image, entrypoint=["python3", "-c", "import platform; "
                           "print(platform.python_version(), platform.libc_ver()[1])"],
        network_mode="none", remove=True)
    python, glibc = output.decode().split()
    return python, glibc


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} … failed ({result.returncode}):\n"
                           f"{(result.stdout + result.stderr)[-3000:]}")
