"""A Docker API proxy on a unix socket that lets the SAM CLI run without a bridge network.

`sam local` publishes the Runtime Interface Emulator's port 8080 of every container it creates;
where Docker runs without a bridge that port never comes up. Through this proxy SAM's
containers are created with host networking instead, the emulator listening on 127.0.0.1 at
the very port SAM chose to publish, its Runtime API on a free loopback port of its own.

Where the Lambda base image cannot be pulled, the proxy also hands each image build the
stand-in base image for the platform being built, through the Dockerfile's own PYTHON_IMAGE
build argument: Docker 20.10 holds one platform per image name, and SAM builds both
architectures at once, so retagging one name per build would race.

Each request goes upstream on a connection of its own (`Connection: close`), so every request
can be read and every response, streams and hijacked attach sessions included, passes through
byte for byte.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.ports import free_port

RIE_IN_CONTAINER = "/var/rapid/aws-lambda-rie"
RIE_PORT = "8080/tcp"
BASE_IMAGE_ARG = "PYTHON_IMAGE"  # app/Dockerfile's knob for its base image
Log = Callable[[str], None]


@dataclass
class Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes | None  # None: the body (if any) is streamed through unread

    @property
    def path(self) -> str:
        """The API path without its version prefix: `/v1.41/build` -> `/build`."""
        return re.sub(r"^/v[\d.]+", "", urllib.parse.urlsplit(self.target).path)

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.target).query))

    def head(self) -> bytes:
        headers = [(k, v) for k, v in self.headers
                   if k.lower() not in ("connection", "content-length")]
        if self.body is not None:
            headers.append(("Content-Length", str(len(self.body))))
        else:
            headers += [(k, v) for k, v in self.headers if k.lower() == "content-length"]
        upgrade = any(k.lower() == "upgrade" for k, _ in self.headers)
        headers.append(("Connection", "Upgrade" if upgrade else "close"))
        lines = [f"{self.method} {self.target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def emulator_entrypoint(rie: str, port: int | str, command: list[str]) -> list[str]:
    """The Runtime Interface Emulator at `rie` on 127.0.0.1:`port`, its Runtime API on a free
    loopback port (the container shares the host's network), running `command`."""
    return [rie, "--runtime-interface-emulator-address", f"127.0.0.1:{port}",
            "--runtime-api-address", f"127.0.0.1:{free_port()}", *command]


def host_networked(config: dict[str, Any]) -> dict[str, Any]:
    """SAM's container with host networking, its emulator on the loopback port SAM published."""
    host_config = config.setdefault("HostConfig", {})
    bindings = host_config.pop("PortBindings", None) or {}
    config.pop("ExposedPorts", None)
    host_config["NetworkMode"] = "host"
    entrypoint = config.get("Entrypoint")
    if (isinstance(entrypoint, list) and entrypoint[:1] == [RIE_IN_CONTAINER]
            and RIE_PORT in bindings):
        port = bindings[RIE_PORT][0]["HostPort"]
        config["Entrypoint"] = emulator_entrypoint(RIE_IN_CONTAINER, port, entrypoint[1:])
    return config


@dataclass
class DockerProxy:
    """Listens on `socket_path`, forwards to the Docker engine on `upstream_path`."""
    socket_path: Path
    upstream_path: Path
    stand_ins: dict[str, str] = field(default_factory=dict)  # platform -> base image name
    log: Log = print
    _server: socket.socket | None = None

    def start(self) -> None:
        self.socket_path.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.socket_path))
        os.chmod(self.socket_path, 0o600)
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self.socket_path.unlink(missing_ok=True)

    def _accept(self) -> None:
        while self._server is not None:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as upstream:
            received = read_request(client)
            if received is None:
                return
            request, rest = received
            self._rewrite(request)
            upstream.connect(str(self.upstream_path))
            upstream.sendall(request.head() + (request.body or b"") + rest)
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
            pipe(upstream, client)

    def _rewrite(self, request: Request) -> None:
        if request.method == "POST" and request.path == "/containers/create" and request.body:
            config = json.loads(request.body)
            request.body = json.dumps(host_networked(config)).encode()
        elif request.method == "POST" and request.path == "/build" and self.stand_ins:
            stand_in = self.stand_ins.get(request.query.get("platform", ""))
            if stand_in:
                request.target = with_build_arg(request.target, BASE_IMAGE_ARG, stand_in)


def with_build_arg(target: str, name: str, value: str) -> str:
    """The build request's URL with one more build argument (`buildargs` is JSON)."""
    url = urllib.parse.urlsplit(target)
    query = dict(urllib.parse.parse_qsl(url.query))
    query["buildargs"] = json.dumps({**json.loads(query.get("buildargs") or "{}"), name: value})
    return urllib.parse.urlunsplit(url._replace(query=urllib.parse.urlencode(query)))


def read_request(client: socket.socket) -> tuple[Request, bytes] | None:
    """One HTTP request's head, and the bytes read past it. A container-create body is read
    whole (it is rewritten); any other body streams through unread."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    first, *lines = head.decode("latin-1").split("\r\n")
    method, target, _ = first.split(" ", 2)
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines)]
    request = Request(method, target, headers, None)
    length = next((int(v) for k, v in headers if k.lower() == "content-length"), None)
    if method == "POST" and request.path == "/containers/create" and length is not None:
        while len(rest) < length:
            chunk = client.recv(65536)
            if not chunk:
                return None
            rest += chunk
        request.body, rest = rest[:length], rest[length:]
    return request, rest


def pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
