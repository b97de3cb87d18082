"""A minimal Lambda Runtime API client: a design study, not the project's runtime.

`python runtime_loop.py module.handler`, started by the Runtime Interface Emulator (or Lambda)
in place of `python -m awslambdaric module.handler`. It speaks the Runtime API (next
invocation, response, error, init error) over `http.client`, or, with
RUNTIME_LOOP_TRANSPORT=socket, over a bare `_socket` with HTTP/1.1 written by hand:
`http.client` imports `email` and `ssl`, which cost a cold start as much as awslambdaric's
whole import. And nothing else: no logging
setup, no X-Ray, no extensions, no response streaming, no SnapStart hooks, no JSON encoder
for Decimal. A direct-invoke batch's raw payload bytes go straight to the handler module's C
reader (`FAST_PARSER`), skipping the runtime client's `json.loads` of the whole payload;
anything else is decoded and handed to `lambda_handler` as awslambdaric would.
runtime_study.py measures it against awslambdaric on the emulator.
"""

from __future__ import annotations

import importlib
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing, json and traceback would cost every cold start their import
    from collections.abc import Callable, Mapping, Sequence
    from types import ModuleType
    from typing import Any

API = "/2018-06-01/runtime"


class Context:
    """The context attributes handlers commonly read."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id", "")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn", "")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")


class HttpClientApi:
    """The Runtime API over the standard library's http.client, one kept-alive connection."""

    def __init__(self, host: str) -> None:
        import http.client

        self._connection = http.client.HTTPConnection(host)

    def request(self, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> tuple[dict[str, str], bytes]:
        self._connection.request(method, path, body=body or None, headers=headers or {})
        response = self._connection.getresponse()
        payload = response.read()
        return {k.lower(): v for k, v in response.getheaders()}, payload


class SocketApi:
    """The Runtime API over one kept-alive `_socket`: HTTP/1.1, Content-Length or chunked."""

    def __init__(self, host: str) -> None:
        import _socket

        name, _, port = host.rpartition(":")
        self._socket = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        self._socket.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        self._socket.connect((name, int(port)))
        self._buffer = bytearray()

    def request(self, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> tuple[dict[str, str], bytes]:
        lines = [f"{method} {path} HTTP/1.1", "Host: runtime", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self._socket.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        fields = dict(line.split(":", 1) for line in head[1:] if ":" in line)
        fields = {k.strip().lower(): v.strip() for k, v in fields.items()}
        if "content-length" in fields:
            return fields, self._exactly(int(fields["content-length"]))
        chunks = []
        while fields.get("transfer-encoding") == "chunked":
            size = int(self._until(b"\r\n").split(b";")[0], 16)
            if size == 0:
                self._until(b"\r\n")
                break
            chunks.append(self._exactly(size))
            self._exactly(2)
        return fields, b"".join(chunks)

    def _fill(self) -> None:
        data = self._socket.recv(1 << 20)
        if not data:
            raise ConnectionError("the Runtime API closed the connection")
        self._buffer += data

    def _until(self, marker: bytes) -> bytes:
        while (at := self._buffer.find(marker)) < 0:
            self._fill()
        line = bytes(self._buffer[:at])
        del self._buffer[:at + len(marker)]
        return line

    def _exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill()
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


def error_body(error: BaseException) -> bytes:
    import json
    import traceback

    return json.dumps({"errorMessage": str(error), "errorType": type(error).__name__,
                       "stackTrace": traceback.format_tb(error.__traceback__)}).encode()


def raw_batch(module: ModuleType, payload: bytes) -> bytes | None:
    """A direct `{"instances": [[...]]}` payload through the C reader; None for anything else."""
    reader = getattr(module, "FAST_PARSER", None)
    if reader is None or not payload.startswith(b'{"instances"'):
        return None
    parsed = reader(payload, module.LIMITS.max_batch_rows)
    if parsed is None:
        return None
    values, rows = parsed
    outputs = module.PREDICTOR.predict(values, rows)
    return module.ENCODER.document(module.Shape.INSTANCES, outputs).encode()


def answer(module: ModuleType, handler: Callable[[Any, Any], Any], payload: bytes,
           context: Context) -> bytes:
    fast = raw_batch(module, payload)
    if fast is not None:
        return fast
    import json

    result = handler(json.loads(payload) if payload else {}, context)
    return result if isinstance(result, bytes) else json.dumps(result).encode()


def main(argv: Sequence[str] | None = None) -> int:
    host = os.environ["AWS_LAMBDA_RUNTIME_API"]
    transport = os.environ.get("RUNTIME_LOOP_TRANSPORT", "http.client")
    api = SocketApi(host) if transport == "socket" else HttpClientApi(host)
    argv = sys.argv[1:] if argv is None else argv
    module_name, _, function = (argv[0] if argv else os.environ["_HANDLER"]).rpartition(".")
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "."))
    try:
        module = importlib.import_module(module_name)
        handler = getattr(module, function)
    except Exception as error:
        api.request("POST", f"{API}/init/error", error_body(error),
                    {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
        return 1
    while True:
        headers, payload = api.request("GET", f"{API}/invocation/next")
        context = Context(headers)
        base = f"{API}/invocation/{context.aws_request_id}"
        try:
            body = answer(module, handler, payload, context)
        except Exception as error:
            api.request("POST", f"{base}/error", error_body(error),
                        {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
            continue
        api.request("POST", f"{base}/response", body)


if __name__ == "__main__":
    raise SystemExit(main())
