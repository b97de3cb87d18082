"""Like for like: what each function runs, and every way the two differ besides architecture.

Read before measuring: each function's configuration and code (GetFunction), and what the
function itself says it serves (a describe request: model, engine, library versions and the
machine the code actually ran on). Differences are reported; in strict mode they are errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .configuration import NONCE_VARIABLE
from .targets import Target

DESCRIBE_PAYLOAD = b'{"action": "describe"}'
MACHINES = {"arm64": ("aarch64", "arm64"), "x86_64": ("x86_64", "amd64")}
# Naturally different between the twins: identity, and each architecture's own image build.
IDENTITY_FIELDS = {"FunctionName", "FunctionArn", "Architectures", "LastModified", "RevisionId",
                   "Description", "Role", "Version", "MasterArn", "LoggingConfig.LogGroup",
                   f"Environment.Variables.{NONCE_VARIABLE}", "CodeSize"}
BUILD_FIELDS = {"CodeSha256", "Code.ImageUri", "Code.ResolvedImageUri"}
SERVED_FIELDS = ("model_version", "model_sha256", "engine", "library_versions")


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

    def block(self) -> dict[str, Any]:
        return {
            "functions": self.functions,
            "differences": [d.__dict__ for d in self.differences],
            "warnings": self.warnings,
            "notices": self.notices,
            "like_for_like": not self.warnings,
        }


def collect(client: Any, targets: list[Target], swept_memory: bool) -> Provenance:
    functions: dict[str, dict[str, Any]] = {}
    flat: dict[str, dict[str, Any]] = {}
    for target in targets:
        function = client.get_function(FunctionName=target.function)
        config = function["Configuration"]
        flat[target.architecture] = {**_flatten(config), **_flatten(function.get("Code", {}),
                                                                   "Code.")}
        served = describe(client, target)
        functions[target.architecture] = {
            "function": target.function,
            "declared_architecture": (config.get("Architectures") or ["x86_64"])[0],
            "ran_on": served.get("machine"),
            "package_type": config.get("PackageType"),
            "image_uri": function.get("Code", {}).get("ImageUri"),
            "resolved_image_uri": function.get("Code", {}).get("ResolvedImageUri"),
            "code_sha256": config.get("CodeSha256"),
            "memory_mb": config.get("MemorySize"),
            "timeout_s": config.get("Timeout"),
            "environment": (config.get("Environment") or {}).get("Variables", {}),
            "local_runtime": function.get("Tags", {}).get("local-runtime") == "true",
            **{key: served.get(key) for key in SERVED_FIELDS},
            **({"describe_error": served["error"]} if "error" in served else {}),
        }
    provenance = Provenance(functions)
    _compare_configuration(provenance, flat, swept_memory)
    _compare_served(provenance, targets)
    return provenance


def describe(client: Any, target: Target) -> dict[str, Any]:
    try:
        response = client.invoke(FunctionName=target.function, Payload=DESCRIBE_PAYLOAD)
        document = json.loads(response["Payload"].read() or b"null")
    except (ClientError, BotoCoreError, ValueError) as error:
        return {"error": f"describe request failed: {error}"}
    if response.get("FunctionError") or not isinstance(document, dict) or "error" in document:
        return {"error": f"describe request refused: {str(document)[:200]}"}
    return document


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
                                       f"{values[a_name]!r} ({a_name}) vs {values[b_name]!r} "
                                       f"({b_name})")


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
                                       f"{values[names[0]]!r} ({names[0]}) vs "
                                       f"{values[names[1]]!r} ({names[1]})")
    for info, name in ((first, names[0]), (second, names[1])):
        machine = info.get("ran_on")
        expected = MACHINES.get(info["declared_architecture"], ())
        if machine and machine not in expected:
            declared = info["declared_architecture"]
            if info["local_runtime"]:
                # Expected and said plainly: a local runtime runs every function on its host.
                provenance.notices.append(
                    f"{name}: declared {declared}, ran on {machine} (local runtime on a "
                    f"{machine} host): its figures are {machine} figures, not {declared} ones")
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
