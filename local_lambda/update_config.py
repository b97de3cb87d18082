"""UpdateFunctionConfiguration's request, validated as Lambda validates it, before anything
changes: a refused request leaves the function exactly as it was.

Lambda's rules kept here: environment variable names match `[a-zA-Z]([a-zA-Z0-9_])+`,
values are strings, the set is at most 4 KB, and the names Lambda reserves for its runtime
cannot be set. Fields Lambda knows but this runtime does not emulate are refused by name
rather than silently ignored.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .functions import FunctionSpec

ENVIRONMENT_MAX_BYTES = 4 * 1024
VARIABLE_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")
# Lambda refuses these ("reserved keys that are currently not supported for modification").
RESERVED_VARIABLES = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
EMULATED_FIELDS = frozenset({"MemorySize", "Timeout", "Environment", "RevisionId"})
# Fields of Lambda's UpdateFunctionConfiguration this runtime does not emulate.
OTHER_LAMBDA_FIELDS = frozenset({
    "Role", "Handler", "Description", "VpcConfig", "Runtime", "DeadLetterConfig", "KMSKeyArn",
    "TracingConfig", "Layers", "FileSystemConfigs", "ImageConfig", "EphemeralStorage",
    "SnapStart", "LoggingConfig",
})


class InvalidParameter(ValueError):
    """Answered as Lambda's InvalidParameterValueException."""


def updated_spec(spec: FunctionSpec, request: dict[str, Any]) -> FunctionSpec:
    """The new configuration, or InvalidParameter before anything is changed."""
    for field in request:
        if field in OTHER_LAMBDA_FIELDS:
            raise InvalidParameter(f"{field} cannot be changed on the local runtime")
        if field not in EMULATED_FIELDS:
            raise InvalidParameter(f"unknown field {json.dumps(str(field)[:64])}")
    revision = request.get("RevisionId")
    if revision is not None and revision != spec.revision_id:
        raise InvalidParameter(f"RevisionId {json.dumps(str(revision)[:64])} is not the "
                               "function's current revision")
    return spec.updated(memory_mb=_int_field(request, "MemorySize", 128, 10240),
                        timeout_s=_int_field(request, "Timeout", 1, 900),
                        environment=_environment(request))


def _int_field(request: dict[str, Any], key: str, low: int, high: int) -> int | None:
    if key not in request:
        return None
    value = request[key]
    if type(value) is not int or not low <= value <= high:
        raise InvalidParameter(f"{key} must be an integer from {low} to {high}")
    return value


def _environment(request: dict[str, Any]) -> dict[str, str] | None:
    if "Environment" not in request:
        return None
    environment = request["Environment"]
    if not isinstance(environment, dict) or set(environment) - {"Variables"}:
        raise InvalidParameter('Environment must be an object {"Variables": {name: value}}')
    variables = environment.get("Variables", {})
    if not isinstance(variables, dict):
        raise InvalidParameter("Environment.Variables must be an object of names to strings")
    for name, value in variables.items():
        shown = json.dumps(name[:64])
        if not VARIABLE_NAME.fullmatch(name):
            raise InvalidParameter(f"environment variable name {shown} must match "
                                   "[a-zA-Z]([a-zA-Z0-9_])+")
        if name in RESERVED_VARIABLES:
            raise InvalidParameter(f"environment variable {shown} is reserved by Lambda")
        if not isinstance(value, str):
            raise InvalidParameter(f"environment variable {shown} must be a string, got "
                                   f"{type(value).__name__}")
        try:
            if "\x00" not in value:
                value.encode("utf-8")
                continue
        except UnicodeEncodeError:
            pass
        raise InvalidParameter(f"environment variable {shown} must be UTF-8 text without NUL")
    size = sum(len(n) + len(v.encode("utf-8")) for n, v in variables.items())
    if size > ENVIRONMENT_MAX_BYTES:
        raise InvalidParameter(f"the environment variables take {size} bytes; Lambda allows "
                               f"{ENVIRONMENT_MAX_BYTES}")
    return dict(variables)
