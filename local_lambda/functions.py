"""The functions of template.yaml as the local runtime runs them.

The template is read through the SAM CLI's own providers, so Globals, parameter defaults
and intrinsic references resolve exactly as `sam local` resolves them. The image side
(CMD, ENV per build stage, default build arguments) is read from the function's Dockerfile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .dockerfile import read_dockerfile

DEFAULT_REGION = "us-east-1"
LOCAL_ACCOUNT = "000000000000"


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    architecture: str
    memory_mb: int
    timeout_s: int
    command: tuple[str, ...]
    environment: dict[str, str]
    image_env: dict[str, str]
    docker_context: Path
    dockerfile: Path
    build_args: dict[str, str]
    log_format: str
    log_group: str
    description: str = ""
    revision: int = field(default=1)

    @property
    def engine(self) -> str:
        """The image variant: functions with the same context and build args share an image."""
        return self.build_args.get("ENGINE", "default")

    @property
    def revision_id(self) -> str:
        """Lambda's RevisionId: GetFunctionConfiguration answers it, UpdateFunctionConfiguration
        accepts a change only against it."""
        return f"{self.name}-{self.revision}"

    def arn(self, region: str) -> str:
        return f"arn:aws:lambda:{region}:{LOCAL_ACCOUNT}:function:{self.name}"

    def updated(self, memory_mb: int | None = None, timeout_s: int | None = None,
                environment: dict[str, str] | None = None) -> FunctionSpec:
        return replace(
            self,
            memory_mb=self.memory_mb if memory_mb is None else memory_mb,
            timeout_s=self.timeout_s if timeout_s is None else timeout_s,
            environment=self.environment if environment is None else dict(environment),
            revision=self.revision + 1,
        )


def load_functions(template: Path, parameter_overrides: dict[str, str] | None = None
                   ) -> dict[str, FunctionSpec]:
    os.environ.setdefault("SAM_CLI_TELEMETRY", "0")
    template = template.resolve()  # the SAM CLI then resolves DockerContext to absolute paths
    from samcli.lib.providers.sam_function_provider import SamFunctionProvider
    from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

    stacks, _ = SamLocalStackProvider.get_stacks(
        str(template), parameter_overrides=parameter_overrides or {})
    provider = SamFunctionProvider(stacks, ignore_code_extraction_warnings=True)
    specs = {}
    for function in provider.get_all():
        specs[function.name] = _spec_from(function, template.parent)
    return specs


def _spec_from(function: Any, base: Path) -> FunctionSpec:
    metadata = function.metadata or {}
    if function.packagetype != "Image":
        raise ValueError(f"{function.name}: only PackageType Image functions run locally")
    context = (base / metadata.get("DockerContext", ".")).resolve()
    dockerfile = context / metadata.get("Dockerfile", "Dockerfile")
    image = read_dockerfile(dockerfile)
    build_args = {**image.default_args, **{k: str(v) for k, v in
                                           (metadata.get("DockerBuildArgs") or {}).items()}}
    image_config = function.imageconfig or {}
    command = tuple(image_config.get("Command") or image.cmd)
    declared = (function.environment or {}).get("Variables") or {}
    variables = {k: str(v) for k, v in declared.items()}
    logging_config = function.logging_config or {}
    return FunctionSpec(
        name=function.name,
        architecture=(function.architectures or ["x86_64"])[0],
        memory_mb=int(function.memory or 128),
        timeout_s=int(function.timeout or 3),
        command=command,
        environment=variables,
        image_env=image.image_env(build_args),
        docker_context=context,
        dockerfile=dockerfile,
        build_args=build_args,
        log_format=str(logging_config.get("LogFormat", "Text")),
        log_group=_log_group(function.name, logging_config.get("LogGroup")),
    )


def _log_group(name: str, configured: object) -> str:
    """LoggingConfig's LogGroup when it is a name; a reference to the template's own log group
    resource names it by stack, which a local runtime has not: Lambda's default then."""
    if isinstance(configured, str) and configured.startswith("/"):
        return configured
    return f"/aws/lambda/{name}"
