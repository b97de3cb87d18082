"""Which two functions to compare, from flags, environment variables or a stack's outputs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

ARM64 = "arm64"
X86_64 = "x86_64"
ENV_VARS = {ARM64: "ARM64_FUNCTION", X86_64: "X86_64_FUNCTION"}
# Output keys of this project's template.yaml (ARN preferred, name as a fallback).
STACK_OUTPUTS = {ARM64: ("Arm64FunctionArn", "Arm64FunctionName"),
                 X86_64: ("X86FunctionArn", "X86FunctionName")}
# The template's logical IDs, spelled here only: the function names `sam local start-lambda`
# and the local runtime serve, used when only --endpoint-url is given (tests/test_template.py
# checks template.yaml against them).
FUNCTION_IDS = {ARM64: "XGBoostInferenceArm64Function", X86_64: "XGBoostInferenceX86Function"}


@dataclass(frozen=True)
class Target:
    architecture: str
    function: str


class TargetError(ValueError):
    pass


def resolve_targets(arm64: str | None, x86_64: str | None, stack_name: str | None,
                    endpoint_url: str | None, cloudformation: CloudFormationClient | None = None,
                    environ: dict[str, str] | None = None) -> list[Target]:
    env = os.environ if environ is None else environ
    chosen = {ARM64: arm64 or env.get(ENV_VARS[ARM64]),
              X86_64: x86_64 or env.get(ENV_VARS[X86_64])}
    if stack_name and not all(chosen.values()):
        if cloudformation is None:
            raise TargetError(f"--stack-name {stack_name} needs a CloudFormation client")
        outputs = stack_outputs(cloudformation, stack_name)
        for architecture, keys in STACK_OUTPUTS.items():
            if not chosen[architecture]:
                chosen[architecture] = next((outputs[k] for k in keys if k in outputs), None)
                if not chosen[architecture]:
                    raise TargetError(f"stack {stack_name} has none of the outputs {keys}")
    if endpoint_url and not all(chosen.values()):
        for architecture, name in FUNCTION_IDS.items():
            chosen[architecture] = chosen[architecture] or name
    missing = [a for a, f in chosen.items() if not f]
    if missing:
        raise TargetError(
            "which functions? give --arm64 and --x86-64 (names or ARNs), --stack-name STACK, "
            f"the environment variables {ENV_VARS[ARM64]} and {ENV_VARS[X86_64]}, or "
            f"--endpoint-url for a local runtime (missing: {', '.join(missing)})")
    return [Target(architecture, function) for architecture, function in chosen.items()
            if function]


def stack_outputs(cloudformation: CloudFormationClient, stack_name: str) -> dict[str, str]:
    response = cloudformation.describe_stacks(StackName=stack_name)
    stacks = response.get("Stacks") or []
    if not stacks:
        raise TargetError(f"no stack named {stack_name}")
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
