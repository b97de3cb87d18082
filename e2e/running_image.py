"""A built image run directly, its Runtime Interface Emulator on loopback (host networking),
and invoked over plain HTTP; the dummy credentials every local endpoint is called with."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import docker

from devkit.ports import free_port, wait_for_port

from .docker_proxy import emulator_entrypoint

INVOKE_PATH = "/2015-03-31/functions/function/invocations"
RIE = "/usr/local/bin/aws-lambda-rie"
# Local endpoints check no signature; the run sets these only in its own environment.
DUMMY_KEY, DUMMY_SECRET, REGION = "local", "local", "us-east-1"


@contextmanager
def running_image(client: docker.DockerClient, image: str, environment: dict[str, str],
                  ) -> Iterator[str]:
    """The image as Lambda starts it (its entrypoint and CMD), under the emulator the image
    carries, listening on a loopback port; yields the invoke URL."""
    config = client.images.get(image).attrs["Config"]
    port = free_port()
    container = client.containers.run(
        image, detach=True, network_mode="host", environment=environment,
        entrypoint=emulator_entrypoint(RIE, port, config["Entrypoint"]),
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
