"""Just enough of a Dockerfile to lay out its final image on disk without Docker.

Reads global ARG defaults, each stage's FROM, ENV, COPY and RUN, and the final CMD, then
resolves the chain of stages the final image is built from for given build arguments. A RUN
of the form `if [ "$ARG" = value ]; then BODY; fi && REST` is read as BODY run only when the
build argument has that value, then REST: the Dockerfile selects its engine that way.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

TASK_ROOT_VARIABLE = re.compile(r"\$\{?LAMBDA_TASK_ROOT\}?")
CONDITIONAL_RUN = re.compile(
    r'^if \[ "\$\{?(\w+)\}?" = "?([\w.-]+)"? \]; then (.+?);? fi(?: && (.+))?$')


@dataclass(frozen=True)
class Copy:
    sources: tuple[str, ...]
    destination: str
    from_stage: str | None


@dataclass(frozen=True)
class Run:
    command: str
    when: tuple[str, str] | None = None  # (build argument, value) the command runs for

    def applies(self, args: dict[str, str]) -> bool:
        return self.when is None or args.get(self.when[0]) == self.when[1]


@dataclass
class Stage:
    name: str
    base: str
    env: dict[str, str] = field(default_factory=dict)
    copies: list[Copy] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)

    def runs_for(self, args: dict[str, str]) -> list[str]:
        """The commands this stage runs for these build arguments."""
        return [run.command for run in self.runs if run.applies(args)]


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    default_args: dict[str, str]
    stages: dict[str, Stage]
    final_stage: str
    cmd: tuple[str, ...]

    def args(self, build_args: dict[str, str]) -> dict[str, str]:
        return {**self.default_args, **build_args}

    def chain(self, build_args: dict[str, str]) -> list[Stage]:
        """The stages the final image consists of, from the outermost base inwards."""
        args = self.args(build_args)
        chain: list[Stage] = []
        name = self.final_stage
        while name in self.stages:
            stage = self.stages[name]
            chain.insert(0, stage)
            name = substitute(stage.base, args)
        return chain

    def image_env(self, build_args: dict[str, str]) -> dict[str, str]:
        args = self.args(build_args)
        env: dict[str, str] = {}
        for stage in self.chain(build_args):
            env.update({key: substitute(value, args) for key, value in stage.env.items()})
        return env


def substitute(text: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), ""), text)


def read_dockerfile(path: Path) -> Dockerfile:
    args: dict[str, str] = {}
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    cmd: tuple[str, ...] = ()
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction, rest = instruction.upper(), rest.strip()
        if instruction == "ARG" and current is None and "=" in rest:
            key, value = rest.split("=", 1)
            args[key.strip()] = value.strip()
        elif instruction == "FROM":
            words = rest.split()
            named = len(words) >= 3 and words[1].upper() == "AS"
            name = words[2] if named else f"<final:{words[0]}>"
            current = Stage(name=name, base=words[0])
            stages[name] = current
        elif current is None:
            continue
        elif instruction == "ENV":
            key, _, value = rest.partition("=")
            current.env[key.strip()] = value.strip().strip('"')
        elif instruction == "COPY":
            words = shlex.split(rest)
            from_stage = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
            paths = [w for w in words if not w.startswith("--")]
            current.copies.append(Copy(tuple(paths[:-1]), paths[-1], from_stage))
        elif instruction == "RUN":
            current.runs.extend(read_run(rest))
        elif instruction == "CMD":
            cmd = tuple(json.loads(rest))
    if not cmd:
        raise ValueError(f"{path} has no exec-form CMD to take the handler from")
    return Dockerfile(path, args, stages, next(reversed(stages)), cmd)


def read_run(command: str) -> list[Run]:
    """One RUN as commands with their conditions: `if [ "$A" = v ]; then X; fi && Y` is X
    when A is v, then Y."""
    text = " ".join(command.split())
    match = CONDITIONAL_RUN.match(text)
    if not match:
        return [Run(text)]
    name, value, body, rest = match.groups()
    return [Run(body.strip(), (name, value)), *([Run(rest.strip())] if rest else [])]


def in_task_root(destination: str) -> str | None:
    """`${LAMBDA_TASK_ROOT}/lib/x.so` -> `lib/x.so`; None for paths outside the task root."""
    match = TASK_ROOT_VARIABLE.match(destination)
    if not match:
        return None
    return destination[match.end():].lstrip("/")
