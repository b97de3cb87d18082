"""Just enough of a Dockerfile to lay out its final image on disk without Docker.

Reads global ARG defaults, each stage's FROM, ENV, COPY and RUN, and the final CMD, then
resolves the chain of stages the final image is built from for given build arguments.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

TASK_ROOT_VARIABLE = re.compile(r"\$\{?LAMBDA_TASK_ROOT\}?")


@dataclass(frozen=True)
class Copy:
    sources: tuple[str, ...]
    destination: str
    from_stage: str | None


@dataclass
class Stage:
    name: str
    base: str
    env: dict[str, str] = field(default_factory=dict)
    copies: list[Copy] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    default_args: dict[str, str]
    stages: dict[str, Stage]
    final_stage: str
    cmd: tuple[str, ...]

    def chain(self, build_args: dict[str, str]) -> list[Stage]:
        """The stages the final image consists of, from the outermost base inwards."""
        args = {**self.default_args, **build_args}
        chain: list[Stage] = []
        name = self.final_stage
        while name in self.stages:
            stage = self.stages[name]
            chain.insert(0, stage)
            name = substitute(stage.base, args)
        return chain

    def image_env(self, build_args: dict[str, str]) -> dict[str, str]:
        env: dict[str, str] = {}
        for stage in self.chain(build_args):
            env.update(stage.env)
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
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else f"<final:{words[0]}>"
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
            current.runs.append(rest)
        elif instruction == "CMD":
            cmd = tuple(json.loads(rest))
    if not cmd:
        raise ValueError(f"{path} has no exec-form CMD to take the handler from")
    return Dockerfile(path, args, stages, next(reversed(stages)), cmd)


def in_task_root(destination: str) -> str | None:
    """`${LAMBDA_TASK_ROOT}/lib/x.so` -> `lib/x.so`; None for paths outside the task root."""
    match = TASK_ROOT_VARIABLE.match(destination)
    if not match:
        return None
    return destination[match.end():].lstrip("/")
