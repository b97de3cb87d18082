"""`python -m e2e`: sets up the engine, base images and proxy, runs the steps, cleans up.

Everything it starts (arm64 emulation, dockerd, the proxy, SAM's servers and containers) is
stopped on the way out, also after a failed step; it ends with each step's outcome and time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import docker

from devkit.model import sample_event
from devkit.paths import ROOT

from .base_image import REAL_IMAGE, BaseImages, base_images
from .docker_engine import arm64_emulation, docker_engine
from .docker_proxy import DockerProxy
from .running_image import DUMMY_KEY, DUMMY_SECRET, REGION
from .steps import STEPS, Run, events_to_compare, gather_local_answers, say


def harness_environment(proxy_socket: Path, state: Path) -> dict[str, str]:
    """The SAM CLI, AWS CLI and compare tool see the proxy and dummy credentials, nothing of
    the user's own AWS configuration."""
    return {**os.environ, "DOCKER_HOST": f"unix://{proxy_socket}", "SAM_CLI_TELEMETRY": "0",
            "AWS_ACCESS_KEY_ID": DUMMY_KEY, "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET,
            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": str(state / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(state / "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true", "PYTHONPATH": str(ROOT)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e", description=__doc__)
    parser.add_argument("--cache-dir", type=Path, default=ROOT / ".sam-e2e",
                        help="stand-in root file systems and the AWS CLI (default .sam-e2e/)")
    args = parser.parse_args(argv)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: list[tuple[str, str, float]] = []
    bases: BaseImages | None = None
    state = Path(tempfile.mkdtemp(prefix="sam-e2e-"))  # short: unix socket paths are limited
    try:
        with ExitStack() as stack:
            stack.enter_context(arm64_emulation(say))
            engine = stack.enter_context(docker_engine(state, say))
            client = docker.DockerClient(base_url=f"unix://{engine}")
            setup = time.monotonic()
            bases = base_images(client, args.cache_dir, say)
            if bases.stand_in:
                say(f"STAND-IN base image in use, NOT {REAL_IMAGE}. It differs from it in:")
                say("\n".join(f"  - {difference}" for difference in bases.differences))
            proxy = DockerProxy(state / "proxy.sock", engine,
                                bases.by_platform if bases.stand_in else {}, log=say)
            proxy.start()
            stack.callback(proxy.stop)
            say("local runtime answers to every event, for comparison:")
            smoke, _ = sample_event()
            events = events_to_compare(smoke)
            run = Run(client, harness_environment(state / "proxy.sock", state),
                      state / "sam-build", state, bases, smoke, events,
                      gather_local_answers(events))
            results.append(("setup: engine, base images, local answers", "ok",
                            time.monotonic() - setup))
            for title, step in STEPS:
                say(f"\n=== {title} ===")
                step_started = time.monotonic()
                try:
                    step(run)
                    outcome = "PASS"
                except Exception as error:  # each step's failure is reported, then the next runs
                    say(f"FAILED: {type(error).__name__}: {error}")
                    outcome = "FAIL"
                results.append((title, outcome, time.monotonic() - step_started))
    finally:
        shutil.rmtree(state, ignore_errors=True)
    left = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()
            if line.split()[1].startswith(str(state))]
    results.append(("nothing left behind (mounts, state directory)",
                    "FAIL" if left or state.exists() else "PASS", 0.0))
    if left:
        say(f"left mounted: {', '.join(left)}")
    kind = "no" if bases is None else "STAND-IN" if bases.stand_in else "real"
    say(f"\n=== summary ({kind} base image) ===")
    for title, outcome, seconds in results:
        say(f"{outcome:<5} {seconds:6.1f} s  {title}")
    say(f"total {time.monotonic() - started:.1f} s")
    return 0 if all(outcome != "FAIL" for _, outcome, _ in results) else 1
