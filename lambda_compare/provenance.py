"""Like for like: what each function runs, and every way the two differ besides architecture.

Read before measuring: each function's configuration and code (GetFunction), and what the
function itself says it serves (a describe request: model, engine, library versions and the
machine the code actually ran on). Differences are reported; in strict mode they are errors.
Endpoints without GetFunction (`sam local start-lambda`) skip the configuration checks, say so,
and rely on the describe answers. Whether an architecture verdict can be given at all is
decided here: not when both ran on one machine, or one ran emulated.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from . import answers
from .bounded import BoundedCalls, InvokeTimedOut
from .configuration_guard import NONCE_VARIABLE
from .errors import NOT_FOUND_CODES
from .limits import DEFAULT_INVOKE_TIMEOUT_S, clip, echo
from .targets import Target

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

DESCRIBE_PAYLOAD = b'{"action": "describe"}'
MACHINES = {"arm64": ("aarch64", "arm64"), "x86_64": ("x86_64", "amd64")}
# Naturally different between the twins: identity, and each architecture's own image build.
IDENTITY_FIELDS = {"FunctionName", "FunctionArn", "Architectures", "LastModified", "RevisionId",
                   "Description", "Role", "Version", "MasterArn", "LoggingConfig.LogGroup",
                   f"Environment.Variables.{NONCE_VARIABLE}", "CodeSize"}
BUILD_FIELDS = {"CodeSha256", "Code.ImageUri", "Code.ResolvedImageUri"}
SERVED_FIELDS = ("model_version", "model_sha256", "engine", "library_versions")
# How an endpoint without the function-management API answers GetFunction: `sam local
# start-lambda` routes nothing there and answers 404 PathNotFoundLocally.
NOT_OFFERED_CODES = {"PathNotFoundLocally", "UnknownOperationException", "NotImplemented",
                     "MethodNotAllowedLocally"}


@dataclass
class Difference:
    field: str
    values: dict[str, Any]
    severity: str  # "warning" (not like for like) or "info" (expected for twin builds)
    note: str = ""


@dataclass
class Provenance:
    functions: dict[str, dict[str, Any]]
    differences: list[Difference] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    configuration_api: bool = True
    local: bool = False
    no_verdict: str | None = None

    def block(self) -> dict[str, Any]:
        return {
            "functions": self.functions,
            "differences": [d.__dict__ for d in self.differences],
            "warnings": self.warnings,
            "notices": self.notices,
            "skipped_checks": self.skipped,
            "configuration_api": self.configuration_api,
            "local": self.local,
            "architecture_verdict": self.no_verdict is None,
            "no_verdict_reason": self.no_verdict,
            "like_for_like": not self.warnings,
        }


def collect(client: LambdaClient, targets: list[Target], swept_memory: bool,
            local_endpoint: bool = False, calls: BoundedCalls | None = None) -> Provenance:
    """`local_endpoint`: the functions run on this machine (a loopback --endpoint-url);
    `calls`: the limits describe requests are made within."""
    calls = calls or BoundedCalls(DEFAULT_INVOKE_TIMEOUT_S)
    functions: dict[str, dict[str, Any]] = {}
    flat: dict[str, dict[str, Any]] = {}
    skipped: str | None = None
    for target in targets:
        function = None if skipped else get_function(client, target.function)
        if function is None:
            skipped = ("configuration and code comparison skipped: the endpoint has no "
                       "GetFunction (as `sam local start-lambda`); declared architectures "
                       "are taken from --arm64/--x86-64, provenance from describe answers")
            function = {"Configuration": {"Architectures": [target.architecture]}}
        config = function["Configuration"]
        flat[target.architecture] = {**_flatten(config), **_flatten(function.get("Code", {}),
                                                                   "Code.")}
        served = describe(client, target, calls)
        tags = function.get("Tags", {})
        functions[target.architecture] = {
            "function": target.function,
            "declared_architecture": (config.get("Architectures") or ["x86_64"])[0],
            "emulated": tags.get("emulated") == "true",
            "ran_on": served.get("machine"),
            "cpus": served.get("cpus"),  # what the function may use at its configured memory
            "package_type": config.get("PackageType"),
            "image_uri": function.get("Code", {}).get("ImageUri"),
            "resolved_image_uri": function.get("Code", {}).get("ResolvedImageUri"),
            "code_sha256": config.get("CodeSha256"),
            "memory_mb": config.get("MemorySize"),
            "timeout_s": config.get("Timeout"),
            "environment": (config.get("Environment") or {}).get("Variables", {}),
            "local_runtime": tags.get("local-runtime") == "true",
            **{key: served.get(key) for key in SERVED_FIELDS},
            **({"describe_error": served["error"]} if "error" in served else {}),
        }
    provenance = Provenance(functions, configuration_api=skipped is None)
    provenance.local = local_endpoint or any(f["local_runtime"] for f in functions.values())
    if skipped:
        provenance.skipped.append(skipped)
    else:
        _compare_configuration(provenance, flat, swept_memory)
    _compare_served(provenance, targets)
    provenance.no_verdict = verdict_blocker(functions, platform.machine() if local_endpoint
                                            else None)
    return provenance


def get_function(client: Any, function: str) -> dict[str, Any] | None:
    """GetFunction's answer, or None where the endpoint does not offer the operation."""
    try:
        return dict(client.get_function(FunctionName=function))
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in NOT_OFFERED_CODES or (status in (404, 405, 501)
                                         and code not in NOT_FOUND_CODES):
            return None
        raise


def verdict_blocker(functions: dict[str, dict[str, Any]], host: str | None) -> str | None:
    """Why no architecture verdict can be given, or None. `host`: this machine, when the
    functions ran on it (a loopback endpoint), so any other machine reported was emulated."""
    for name, info in functions.items():
        machine = info.get("ran_on")
        if info.get("emulated") or (host and machine and _same(machine, host) is False):
            return (f"{name} ran emulated ({machine} under qemu on a {host or 'different'} "
                    f"host): its timings are the emulator's, not {name} hardware's")
    machines = {_canonical(info.get("ran_on")) for info in functions.values()}
    if len(functions) > 1 and len(machines) == 1 and None not in machines:
        return (f"both functions ran on one {machines.pop()} machine: any difference between "
                "them is noise and ordering, not architecture")
    for name, info in functions.items():
        if _ran_elsewhere(info):
            return (f"{name} is declared {info['declared_architecture']} but reports it ran "
                    f"on {info['ran_on']}")
    return None


def _ran_elsewhere(info: dict[str, Any]) -> bool:
    """The describe answer names a machine that is not the declared architecture's."""
    machine = info.get("ran_on")
    return bool(machine) and machine not in MACHINES.get(info["declared_architecture"], ())


_CANONICAL = {name: architecture for architecture, names in MACHINES.items() for name in names}


def _canonical(machine: str | None) -> str | None:
    return _CANONICAL.get(machine or "", machine)


def _same(a: str, b: str) -> bool:
    return _canonical(a) == _canonical(b)


def describe(client: Any, target: Target, calls: BoundedCalls) -> dict[str, Any]:
    """What the function says it serves, checked and clipped; {"error": …} when it cannot."""
    try:
        answer = calls.invoke(client, FunctionName=target.function, Payload=DESCRIBE_PAYLOAD)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in NOT_FOUND_CODES:
            raise  # no such function: nothing to measure
        return {"error": f"describe request failed: {clip(str(error))}"}
    except (BotoCoreError, answers.AnswerError, InvokeTimedOut) as error:
        return {"error": f"describe request failed: {clip(str(error))}"}
    try:
        document = answers.load_json(answer.body or b"null", "the describe answer")
        if answer.response.get("FunctionError") or (isinstance(document, dict)
                                                    and "error" in document):
            return {"error": f"describe request refused: {echo(document)}"}
        return answers.served(document)
    except answers.AnswerError as error:
        return {"error": f"describe request refused: {error}"}


def _compare_configuration(provenance: Provenance, flat: dict[str, dict[str, Any]],
                           swept_memory: bool) -> None:
    (a_name, a), (b_name, b) = flat.items()
    for key in sorted(set(a) | set(b)):
        if key in IDENTITY_FIELDS or (swept_memory and key == "MemorySize"):
            continue
        if a.get(key) == b.get(key):
            continue
        values = {a_name: a.get(key), b_name: b.get(key)}
        if key in BUILD_FIELDS:
            provenance.differences.append(Difference(
                key, values, "info", "expected: each architecture has its own image build; "
                                     "what it serves is compared below"))
        else:
            provenance.differences.append(Difference(key, values, "warning"))
            provenance.warnings.append(f"configuration differs beyond architecture: {key} = "
                                       f"{clip(repr(values[a_name]))} ({a_name}) vs "
                                       f"{clip(repr(values[b_name]))} ({b_name})")


def _compare_served(provenance: Provenance, targets: list[Target]) -> None:
    first, second = (provenance.functions[t.architecture] for t in targets)
    names = [t.architecture for t in targets]
    for info, name in ((first, names[0]), (second, names[1])):
        if "describe_error" in info:
            provenance.warnings.append(f"{name}: {info['describe_error']}")
    for key in SERVED_FIELDS:
        if first.get(key) != second.get(key):
            values = {names[0]: first.get(key), names[1]: second.get(key)}
            provenance.differences.append(Difference(key, values, "warning"))
            provenance.warnings.append(f"the functions do not serve the same thing: {key} = "
                                       f"{clip(repr(values[names[0]]))} ({names[0]}) vs "
                                       f"{clip(repr(values[names[1]]))} ({names[1]})")
    for info, name in ((first, names[0]), (second, names[1])):
        if _ran_elsewhere(info):
            machine, declared = info["ran_on"], info["declared_architecture"]
            if provenance.local:
                # Expected and said plainly: a local runtime runs every function on its host.
                provenance.notices.append(
                    f"{name}: declared {declared}, ran on {machine} (a local endpoint runs it on "
                    f"this {machine} host): its figures are {machine} figures, not {declared} "
                    "ones")
            else:
                provenance.warnings.append(
                    f"{name}: declared {declared} but the code reports it ran on {machine}")


def _flatten(document: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(document, dict):
        flat: dict[str, Any] = {}
        for key, value in document.items():
            if key == "ResponseMetadata":
                continue
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): document}
