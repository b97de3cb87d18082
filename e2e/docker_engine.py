"""A private Docker engine for one run, and arm64 emulation through qemu's binfmt handler.

The engine runs without a bridge network or iptables rules and listens on a unix socket
only: containers get host networking (everything on 127.0.0.1) or none. Whatever is started
or switched on here is stopped or switched off again on the way out.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import docker

from devkit.processes import stop

BINFMT = Path("/proc/sys/fs/binfmt_misc")
Log = Callable[[str], None]


@contextmanager
def arm64_emulation(log: Log) -> Iterator[None]:
    """aarch64 binaries run through qemu-aarch64-static, inside containers too (binfmt F flag)."""
    mounted = enabled = False
    if not (BINFMT / "status").exists():
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)], check=True)
        mounted = True
    entry = BINFMT / "qemu-aarch64"
    if not entry.exists() or not entry.read_text().startswith("enabled"):
        subprocess.run(["update-binfmts", "--enable", "qemu-aarch64"], check=True)
        enabled = True
    log(f"arm64 emulation: qemu-aarch64 binfmt handler "
        f"{'enabled for this run' if enabled else 'already enabled'}")
    try:
        yield
    finally:
        if enabled:
            subprocess.run(["update-binfmts", "--disable", "qemu-aarch64"], check=False)
        if mounted:
            subprocess.run(["umount", str(BINFMT)], check=False)


@contextmanager
def docker_engine(state_dir: Path, log: Log) -> Iterator[Path]:
    """Starts dockerd with its data under `state_dir`; yields its socket; stops it and
    removes its data."""
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        raise RuntimeError("dockerd not found: install Debian's docker.io")
    socket_path = state_dir / "docker.sock"
    data_root = state_dir / "data"
    command = [dockerd, "--bridge=none", "--iptables=false", "--ip6tables=false",
               "--ip-forward=false", "--data-root", str(data_root),
               "--exec-root", str(state_dir / "exec"), "--pidfile", str(state_dir / "docker.pid"),
               "--host", f"unix://{socket_path}"]
    with open(state_dir / "dockerd.log", "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        version = _wait_until_up(socket_path, process)
        log(f"docker engine {version} (pid {process.pid}) on unix://{socket_path}: "
            "no bridge network, no iptables")
        yield socket_path
    finally:
        stop(process, grace=60)
        _unmount_below(data_root)
        _unmount_below(state_dir / "exec")  # netns/default: the engine's bind of its netns
        shutil.rmtree(state_dir / "data", ignore_errors=True)
        shutil.rmtree(state_dir / "exec", ignore_errors=True)
        log(f"docker engine (pid {process.pid}) stopped and its data removed")


def engine_cli() -> str:
    """The docker client installed with the engine (its BuildKit client needs no buildx)."""
    dockerd = shutil.which("dockerd")
    packaged = [Path(dockerd).parent / "docker", Path(dockerd).parent.parent / "bin" / "docker"
                ] if dockerd else []
    found = next((str(p) for p in packaged if p.exists()), None) or shutil.which("docker")
    if found is None:
        raise RuntimeError("no docker client found")
    return found


def _wait_until_up(socket_path: Path, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dockerd exited with status {process.returncode}; see "
                               f"{socket_path.parent / 'dockerd.log'}")
        if socket_path.exists():
            try:
                client = docker.DockerClient(base_url=f"unix://{socket_path}")
                return str(client.version()["Version"])
            except docker.errors.DockerException:
                pass
        time.sleep(0.5)
    raise RuntimeError("dockerd did not come up within 60 s")


def _unmount_below(path: Path) -> None:
    """Mounts dockerd leaves behind: overlay and shm ones when it died uncleanly, and the
    `netns/default` bind under its exec root even when it stopped cleanly."""
    prefix = str(path.resolve()) + "/"
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for mount in sorted((m for m in mounts if m.startswith(prefix)), reverse=True):
        subprocess.run(["umount", "-l", mount], check=False)
