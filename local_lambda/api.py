"""The Lambda API on 127.0.0.1: Invoke, GetFunction, GetFunctionConfiguration,
UpdateFunctionConfiguration and ListFunctions, in the shapes botocore expects.

Errors carry `x-amzn-ErrorType` and a JSON body as AWS sends them, so boto3 raises the same
exceptions it raises against Lambda (ResourceNotFoundException, TooManyRequestsException, ...).
Every request gets such an answer, malformed ones included (a 4xx): the front they share with
Function URLs is `http_front`.
"""

from __future__ import annotations

import json
import platform
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from .cloudwatch_logs import CloudWatchLogsWriter
from .console import echo, host_note
from .guard import BoundedHTTPServer, HostPolicy
from .http_front import ApiError, LambdaHttpHandler
from .pool import FunctionPool, Throttled
from .report_line import tail_log
from .update_config import InvalidParameter, updated_spec
from .worker import Outcome

FUNCTION_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)(/invocations|/configuration)?/?$")
LIST_PATH = re.compile(r"^/2015-03-31/functions/?$")
ARN_NAME = re.compile(r"^arn:aws[\w-]*:lambda:[^:]*:\d*:function:([^:]+)(?::.+)?$")


class LocalLambda:
    """The functions, their pools and their configuration: what the HTTP front serves."""

    def __init__(self, pools: dict[str, FunctionPool], region: str,
                 logs: CloudWatchLogsWriter | None = None) -> None:
        self.pools = pools
        self.region = region
        self.logs = logs  # where the functions' logs go besides the console, if anywhere
        self.modified = {name: _timestamp() for name in pools}
        self._lock = threading.Lock()

    def resolve(self, identifier: str) -> FunctionPool | None:
        name = unquote(identifier)
        match = ARN_NAME.match(name)
        if match:
            name = match.group(1)
        name = name.split(":", 1)[0]
        return self.pools.get(name)

    def configuration(self, pool: FunctionPool) -> dict[str, Any]:
        spec, image = pool.spec, pool.image
        return {
            "FunctionName": spec.name,
            "FunctionArn": spec.arn(self.region),
            "PackageType": "Image",
            "MemorySize": spec.memory_mb,
            "Timeout": spec.timeout_s,
            "Environment": {"Variables": dict(spec.environment)},
            "Architectures": [spec.architecture],
            "CodeSha256": image.digest,
            "CodeSize": 0,
            "Description": spec.description,
            "Version": "$LATEST",
            "LastModified": self.modified[spec.name],
            "RevisionId": spec.revision_id,
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "Role": f"arn:aws:iam::000000000000:role/{spec.name}-role",
            "LoggingConfig": {"LogFormat": spec.log_format, "LogGroup": spec.log_group},
            "ImageConfigResponse": {"ImageConfig": {"Command": list(spec.command)}},
            "EphemeralStorage": {"Size": 512},
            "TracingConfig": {"Mode": "PassThrough"},
        }

    def function(self, pool: FunctionPool) -> dict[str, Any]:
        image = pool.image
        return {
            "Configuration": self.configuration(pool),
            "Code": {"RepositoryType": "ECR", "ImageUri": f"{image.uri}:latest",
                     "ResolvedImageUri": f"{image.uri}@sha256:{image.digest}"},
            "Tags": {"local-runtime": "true", "host-architecture": platform.machine(),
                     "emulated": str(image.emulated).lower()},
        }

    def update(self, pool: FunctionPool, request: dict[str, Any]) -> dict[str, Any]:
        """Validated whole before anything changes: a refusal leaves the function as it was."""
        with self._lock:
            try:
                spec = updated_spec(pool.spec, request)
            except InvalidParameter as error:
                raise ApiError(400, "InvalidParameterValueException", str(error)) from None
            pool.reconfigure(spec)
            self.modified[spec.name] = _timestamp()
        return self.configuration(pool)

    def invoke(self, pool: FunctionPool, payload: bytes) -> Outcome:
        """One invocation; its log goes to CloudWatch Logs when a writer is set."""
        started_ms = int(time.time() * 1000)
        outcome = pool.invoke(payload)
        if self.logs is not None:
            self.logs.record(pool.spec, outcome.worker_id, outcome.report, outcome.log_lines,
                             started_ms, host_note(pool.spec, pool.image))
        return outcome

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()
        if self.logs is not None:
            self.logs.close()


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


class InvokeHandler(LambdaHttpHandler):
    """The Lambda API's operations on the functions of one `LocalLambda`."""

    lambda_: LocalLambda  # set on the subclass made by make_server

    def _serve(self, method: str, path: str, body: bytes) -> None:
        """A request past the front's checks: the Lambda API's operations."""
        if LIST_PATH.match(path) and method == "GET":
            configs = [self.lambda_.configuration(p) for p in self.lambda_.pools.values()]
            return self._json(200, {"Functions": configs})
        match = FUNCTION_PATH.match(path)
        if not match:
            raise ApiError(404, "UnknownOperationException", f"no operation at {path}")
        pool = self.lambda_.resolve(match.group(1))
        if pool is None:
            raise ApiError(404, "ResourceNotFoundException",
                           f"Function not found: arn:aws:lambda:{self.lambda_.region}:"
                           f"000000000000:function:{unquote(match.group(1))}")
        operation = (method, match.group(2) or "")
        if operation == ("POST", "/invocations"):
            return self._invoke(pool, body)
        if operation == ("GET", ""):
            return self._json(200, self.lambda_.function(pool))
        if operation == ("GET", "/configuration"):
            return self._json(200, self.lambda_.configuration(pool))
        if operation == ("PUT", "/configuration"):
            return self._json(200, self.lambda_.update(pool, _json_object(body)))
        raise ApiError(405, "UnknownOperationException", f"{method} {path} is not supported")

    def _invoke(self, pool: FunctionPool, payload: bytes) -> None:
        invocation_type = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if payload:
            try:
                json.loads(payload)
            except (ValueError, RecursionError):
                raise ApiError(400, "InvalidRequestContentException",
                               "Could not parse request body into json") from None
        else:
            payload = b"{}"
        if invocation_type == "DryRun":
            return self._send(204, b"", {"x-amzn-RequestId": str(uuid.uuid4())})
        if invocation_type == "Event":
            threading.Thread(target=self._invoke_quietly, args=(pool, payload), daemon=True).start()
            return self._send(202, b"", {"x-amzn-RequestId": str(uuid.uuid4())})
        if invocation_type != "RequestResponse":
            raise ApiError(400, "InvalidParameterValueException",
                           f"unsupported X-Amz-Invocation-Type {invocation_type!r}")
        try:
            outcome = self.lambda_.invoke(pool, payload)
        except Throttled:
            raise ApiError(429, "TooManyRequestsException", "Rate Exceeded.",
                           Reason="ReservedFunctionConcurrentInvocationLimitExceeded") from None
        except (RuntimeError, OSError) as error:
            raise ApiError(502, "ServiceException", f"the execution environment failed to "
                                                   f"start: {error}") from None
        note = host_note(pool.spec, pool.image)
        report_line = outcome.report.line(note)
        log_lines = [*outcome.log_lines, report_line]
        echo(pool.spec.name, outcome.log_lines, report_line)
        headers = {"x-amzn-RequestId": outcome.request_id, "X-Amz-Executed-Version": "$LATEST"}
        if self.headers.get("X-Amz-Log-Type") == "Tail":
            headers["X-Amz-Log-Result"] = tail_log(log_lines)
        if outcome.function_error:
            headers["X-Amz-Function-Error"] = outcome.function_error
        self._send(200, outcome.payload, headers)

    def _invoke_quietly(self, pool: FunctionPool, payload: bytes) -> None:
        try:
            self.lambda_.invoke(pool, payload)
        except Exception as error:
            print(f"[local-lambda] asynchronous invocation of {pool.spec.name} failed: {error}",
                  file=sys.stderr)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        raise ApiError(400, "InvalidRequestContentException", "the body is not JSON") from None
    if not isinstance(document, dict):
        raise ApiError(400, "InvalidRequestContentException", "the body must be a JSON object")
    return document


def make_server(lambda_: LocalLambda, port: int,
                allowed_hosts: Iterable[str] = ()) -> BoundedHTTPServer:
    handler = type("BoundInvokeHandler", (InvokeHandler,),
                   {"lambda_": lambda_, "hosts": HostPolicy(allowed_hosts)})
    return BoundedHTTPServer(("127.0.0.1", port), handler)


def wait_forever(server: BoundedHTTPServer) -> None:
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
