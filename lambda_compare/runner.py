"""The measurement: per memory size, forced cold starts, warm-up, then warm invocations of
both functions interleaved, so a noisy machine or network affects both alike.

Configuration changes are made through guards that restore everything on exit, including
after Ctrl-C; an interrupted run keeps what it measured and says it is partial, within about a
second (invocations in flight are abandoned, not waited for).

`-n N` is N warm samples per function: an invocation that started a new environment on its
own (a natural cold start) is counted as a cold start and its request sent again, so a
replayed mix (--payloads) is measured warm in full on both functions.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .configuration_guard import ConfigurationGuard
from .invoker import Invoker
from .payloads import Request
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
    requests: tuple[Request, ...] = ()  # a replayed mix, in sending order; () = one payload

    def request(self, index: int) -> Request | None:
        return self.requests[index % len(self.requests)] if self.requests else None


Task = tuple[Target, int, Request | None]  # what to invoke, at which memory, with what


@dataclass
class Measurement:
    samples: list[Sample] = field(default_factory=list)
    interrupted: bool = False
    # The CPUs each function said it may use at each swept memory size: (architecture, MB).
    cpus: dict[tuple[str, int], int] = field(default_factory=dict)


def measure(client: LambdaClient, targets: list[Target], invoker: Invoker, plan: Plan,
            progress_stream: Any = None, guard_options: dict[str, float] | None = None,
            configured_memory: dict[str, int] | None = None,
            cpus_of: Callable[[Target], int | None] | None = None) -> Measurement:
    """`configured_memory`: each function's memory when nothing is changed (0: unknown);
    `cpus_of`: asks a function how many CPUs it may use, after each memory change (on Lambda
    CPU grows with memory, and the compiled engine splits large batches across them)."""
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
            if memory is not None and cpus_of is not None:
                for target in targets:
                    if (count := cpus_of(target)) is not None:
                        measurement.cpus[(target.architecture, memory)] = count
            sizes = ({t.architecture: g.memory
                      for t, g in zip(targets, guards, strict=True)} if guards else
                     {t.architecture: (configured_memory or {}).get(t.architecture, 0)
                      for t in targets})
            for index in range(plan.cold_starts):
                for target, guard in zip(targets, guards, strict=True):
                    guard.force_cold_start()
                    _record(measurement, progress, invoker.invoke(
                        target, sizes[target.architecture], "cold", forced_cold=True,
                        request=plan.request(index)))
            for index in range(plan.warmup):
                for target in targets:
                    _record(measurement, progress, invoker.invoke(
                        target, sizes[target.architecture], "warmup",
                        request=plan.request(index)))
            tasks = [(target, sizes[target.architecture], plan.request(index))
                     for index in range(plan.invocations) for target in targets]
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


def _run_concurrently(invoker: Invoker, tasks: list[Task], concurrency: int,
                      measurement: Measurement, progress: Progress) -> None:
    """Every task once; a task whose invocation was a natural cold start is sent again (at
    most as many times as there are tasks, so a function that is always cold still ends)."""
    pending: dict[Future[Sample], Task] = {}
    queue = deque(tasks)
    resends_left = len(tasks)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        try:
            while queue or pending:
                while queue and len(pending) < concurrency:
                    task = queue.popleft()
                    target, memory, request = task
                    pending[pool.submit(invoker.invoke, target, memory, "warm",
                                        request=request)] = task
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    task = pending.pop(future)
                    sample = future.result()
                    _record(measurement, progress, sample)
                    if sample.ok and sample.cold and resends_left:
                        resends_left -= 1
                        queue.appendleft(task)
                        progress.extend(1)
        except KeyboardInterrupt:
            invoker.cancel()  # the workers stop waiting at once, so the pool exits at once
            for future in pending:
                future.cancel()
            raise


def _record(measurement: Measurement, progress: Progress, sample: Sample) -> None:
    measurement.samples.append(sample)
    progress.advance(f"{sample.memory_mb or '?'} MB, {sample.phase}")
