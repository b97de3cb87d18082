"""A minimal Lambda Runtime API client: a design study, not the project's runtime.

`python runtime_loop.py module.handler`, started by the Runtime Interface Emulator (or Lambda)
in place of `python -m awslambdaric module.handler`. It speaks the Runtime API over
`http.client` (next invocation, response, error, init error) and nothing else: no logging
setup, no X-Ray, no extensions, no response streaming, no SnapStart hooks, no JSON encoder
for Decimal. A direct-invoke batch's raw payload bytes go straight to the handler module's C
reader (`FAST_PARSER`), skipping the runtime client's `json.loads` of the whole payload;
anything else is decoded and handed to `lambda_handler` as awslambdaric would.
runtime_study.py measures it against awslambdaric on the emulator.
"""

from __future__ import annotations

import http.client
import importlib
import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing and traceback would cost every cold start their import
    from types import ModuleType
    from typing import Any

API = "/2018-06-01/runtime"


class Context:
    """The context attributes handlers commonly read."""

    def __init__(self, headers: http.client.HTTPMessage) -> None:
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")


def post(connection: http.client.HTTPConnection, path: str, body: bytes,
         headers: dict[str, str] | None = None) -> None:
    connection.request("POST", path, body=body, headers=headers or {})
    connection.getresponse().read()


def error_body(error: BaseException) -> bytes:
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
    probabilities = module.PREDICTOR.predict_proba(values, rows)
    return module.ENCODER.document(module.Shape.INSTANCES, probabilities).encode()


def answer(module: ModuleType, payload: bytes, context: Context) -> bytes:
    fast = raw_batch(module, payload)
    if fast is not None:
        return fast
    result: Any = module.lambda_handler(json.loads(payload) if payload else {}, context)
    return result if isinstance(result, bytes) else json.dumps(result).encode()


def main(argv: list[str]) -> int:
    host = os.environ["AWS_LAMBDA_RUNTIME_API"]
    connection = http.client.HTTPConnection(host)
    module_name, _, function = (argv[1] if len(argv) > 1 else os.environ["_HANDLER"]
                                ).rpartition(".")
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "."))
    try:
        module = importlib.import_module(module_name)
        if function != "lambda_handler":
            module.lambda_handler = getattr(module, function)
    except Exception as error:  # noqa: BLE001 - any init failure is reported, then we exit
        post(connection, f"{API}/init/error", error_body(error),
             {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
        return 1
    while True:
        connection.request("GET", f"{API}/invocation/next")
        response = connection.getresponse()
        payload = response.read()
        context = Context(response.headers)
        base = f"{API}/invocation/{context.aws_request_id}"
        try:
            body = answer(module, payload, context)
        except Exception as error:  # noqa: BLE001 - the handler's error goes to the caller
            post(connection, f"{base}/error", error_body(error),
                 {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
            continue
        post(connection, f"{base}/response", body)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
