"""The measurement: per memory size, forced cold starts, warm-up, then warm invocations of
both functions interleaved, so a noisy machine or network affects both alike.

Configuration changes are made through guards that restore everything on exit, including
after Ctrl-C; an interrupted run keeps what it measured and says it is partial, within about a
second (invocations in flight are abandoned, not waited for).
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .configuration import ConfigurationGuard
from .invoke import Invoker
from .progress import Progress
from .samples import Sample
from .targets import Target

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


@dataclass(frozen=True)
class Plan:
    invocations: int
    warmup: int
    concurrency: int
    cold_starts: int
    memories: tuple[int, ...] | None  # None: measure as configured


@dataclass
class Measurement:
    samples: list[Sample] = field(default_factory=list)
    interrupted: bool = False


def measure(client: LambdaClient, targets: list[Target], invoker: Invoker, plan: Plan,
            progress_stream: Any = None, guard_options: dict[str, float] | None = None,
            configured_memory: dict[str, int] | None = None) -> Measurement:
    """`configured_memory`: each function's memory when nothing is changed (0: unknown)."""
    measurement = Measurement()
    changes = bool(plan.cold_starts or plan.memories)
    guards = [ConfigurationGuard(client, t.function, **(guard_options or {})) for t in targets
              ] if changes else []
    memories = plan.memories or (None,)
    per_memory = len(targets) * (plan.cold_starts + plan.warmup + plan.invocations)
    progress = Progress(per_memory * len(memories), progress_stream)
    try:
        for memory in memories:
            for guard in guards:
                if memory is not None:
                    guard.set_memory(memory)
            sizes = ({t.architecture: g.memory
                      for t, g in zip(targets, guards, strict=True)} if guards else
                     {t.architecture: (configured_memory or {}).get(t.architecture, 0)
                      for t in targets})
            for _ in range(plan.cold_starts):
                for target, guard in zip(targets, guards, strict=True):
                    guard.force_cold_start()
                    _record(measurement, progress, invoker.invoke(
                        target, sizes[target.architecture], "cold", forced_cold=True))
            for _ in range(plan.warmup):
                for target in targets:
                    _record(measurement, progress,
                            invoker.invoke(target, sizes[target.architecture], "warmup"))
            tasks = [(target, sizes[target.architecture]) for _ in range(plan.invocations)
                     for target in targets]
            _run_concurrently(invoker, tasks, plan.concurrency, measurement, progress)
    except KeyboardInterrupt:
        measurement.interrupted = True
    finally:
        progress.close()
        for guard in guards:
            try:
                guard.restore()
            except KeyboardInterrupt:
                guard.restore()
    return measurement


def _run_concurrently(invoker: Invoker, tasks: list[tuple[Target, int]], concurrency: int,
                      measurement: Measurement, progress: Progress) -> None:
    pending: set[Future[Sample]] = set()
    queue = iter(tasks)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        try:
            for target, memory in queue:
                pending.add(pool.submit(invoker.invoke, target, memory, "warm"))
                if len(pending) >= concurrency:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        _record(measurement, progress, future.result())
            for future in pending:
                _record(measurement, progress, future.result())
        except KeyboardInterrupt:
            invoker.cancel()  # the workers stop waiting at once, so the pool exits at once
            for future in pending:
                future.cancel()
            raise


def _record(measurement: Measurement, progress: Progress, sample: Sample) -> None:
    measurement.samples.append(sample)
    progress.advance(f"{sample.memory_mb or '?'} MB, {sample.phase}")
