"""Three ways to invoke a function: a built image run directly (its Runtime Interface Emulator
on loopback, host networking), the project's local runtime, and any Lambda API endpoint."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import docker
from botocore.config import Config

from .docker_proxy import free_loopback_port

ROOT = Path(__file__).resolve().parent.parent
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
RIE = "/usr/local/bin/aws-lambda-rie"
# Local endpoints check no signature; the run sets these only in its own environment.
DUMMY_KEY, DUMMY_SECRET, REGION = "local", "local", "us-east-1"
Log = Callable[[str], None]


def wait_for_port(port: int, seconds: float, alive: Callable[[], bool] = lambda: True) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server for 127.0.0.1:{port} exited before listening")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds:.0f} s")


@contextmanager
def running_image(client: docker.DockerClient, image: str, environment: dict[str, str],
                  ) -> Iterator[str]:
    """The image as Lambda starts it (its entrypoint and CMD), under the emulator the image
    carries, listening on a loopback port; yields the invoke URL."""
    config = client.images.get(image).attrs["Config"]
    port = free_loopback_port()
    container = client.containers.run(
        image, detach=True, network_mode="host", environment=environment,
        entrypoint=[RIE, "--runtime-interface-emulator-address", f"127.0.0.1:{port}",
                    "--runtime-api-address", f"127.0.0.1:{free_loopback_port()}",
                    *config["Entrypoint"]],
        command=config["Cmd"])
    try:
        wait_for_port(port, 60)
        yield f"http://127.0.0.1:{port}{INVOKE_PATH}"
    finally:
        container.remove(force=True)


def invoke_url(url: str, payload: bytes, timeout: float = 120) -> bytes:
    request = urllib.request.Request(url, data=payload, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return bytes(response.read())


@contextmanager
def local_runtime(log: Log) -> Iterator[str]:
    """`python -m local_lambda start-lambda` on a free loopback port; yields its endpoint."""
    port = free_loopback_port()
    process = subprocess.Popen([sys.executable, "-m", "local_lambda", "start-lambda",
                                "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, 300, alive=lambda: process.poll() is None)
        log(f"local runtime (python -m local_lambda start-lambda) on 127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def lambda_client(endpoint: str) -> Any:
    return boto3.client("lambda", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=DUMMY_KEY, aws_secret_access_key=DUMMY_SECRET,
                        config=Config(read_timeout=180, retries={"total_max_attempts": 1}))


def invoke_endpoint(client: Any, function: str, payload: bytes) -> bytes:
    return bytes(client.invoke(FunctionName=function, Payload=payload)["Payload"].read())
