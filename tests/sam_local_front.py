"""The SAM CLI's own `start-lambda` HTTP service in front of the project's local runtime.

`sam local start-lambda` is samcli's `LocalLambdaHttpService` (Flask) over Docker containers.
Here the real service — its routes, its 404 PathNotFoundLocally for GetFunction and
GetFunctionConfiguration, its 501 for LogType=Tail, its ResourceNotFound — runs unchanged,
and only the runner behind it is swapped: it hands each invocation to the local runtime
instead of a container. What the compare tool sees over HTTP is what sam local answers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from samcli.local.lambda_service.local_lambda_http_service import LocalLambdaHttpService
from samcli.local.lambdafn.exceptions import FunctionNotFound
from werkzeug.serving import make_server

from devkit.ports import free_port


class RuntimeRunner:
    """The methods LocalLambdaHttpService calls on samcli's LocalLambdaRunner."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.names = {f["FunctionName"] for f in client.list_functions()["Functions"]}

    def is_debugging(self) -> bool:
        return False

    def get_function(self, function_identifier: str, tenant_id: str | None = None) -> Any:
        if function_identifier not in self.names:
            raise FunctionNotFound(f"no function {function_identifier}")
        return SimpleNamespace(durable_config=None)

    def invoke(self, function_name: str, request_data: str, stdout: Any, **_: Any) -> None:
        response = self.client.invoke(FunctionName=function_name, Payload=request_data.encode())
        stdout.write_bytes(response["Payload"].read())
        return None


@contextmanager
def sam_local_front(runtime_client: Any) -> Iterator[str]:
    """Serve samcli's start-lambda service on 127.0.0.1; yields its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log per request
    port = free_port()
    service = LocalLambdaHttpService(RuntimeRunner(runtime_client), port, "127.0.0.1")
    service.create()
    server = make_server("127.0.0.1", port, service._app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join()
