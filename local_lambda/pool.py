"""Workers of one function: one invocation per worker at a time, new workers up to a limit.

Like Lambda, an invocation reuses an idle execution environment (warm) or starts a new one
(cold); beyond the concurrency limit it is throttled. A configuration change retires every
environment, so the next invocation after it is a cold start; so does a lost worker.
"""

from __future__ import annotations

import itertools
import threading

from .functions import FunctionSpec
from .image import LocalImage
from .worker import Outcome, Worker


class Throttled(Exception):
    pass


class FunctionPool:
    def __init__(self, spec: FunctionSpec, image: LocalImage, region: str,
                 max_concurrency: int) -> None:
        self.spec = spec
        self.image = image
        self.region = region
        self.max_concurrency = max_concurrency
        self._lock = threading.Lock()
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._busy = 0
        self._ids = itertools.count(1)
        self._closed = False

    def invoke(self, payload: bytes) -> Outcome:
        with self._lock:
            if self._closed or self._busy >= self.max_concurrency:
                raise Throttled(self.spec.name)
            self._busy += 1
            worker = self._idle.pop() if self._idle else None
            spec = self.spec
        keep = False
        try:
            if worker is None:
                worker = Worker(spec, self.image, self.region, next(self._ids))
                with self._lock:
                    self._all.add(worker)
            outcome = worker.invoke(payload)
            keep = not outcome.worker_lost and worker.alive()
            return outcome
        finally:
            with self._lock:
                self._busy -= 1
                if (keep and worker is not None and not self._closed
                        and worker.generation == self.spec.revision):
                    self._idle.append(worker)
                    worker = None
            if worker is not None:
                self._retire(worker)

    def reconfigure(self, spec: FunctionSpec) -> None:
        with self._lock:
            self.spec = spec
            retired, self._idle = self._idle, []
        for worker in retired:
            self._retire(worker)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._idle = list(self._all), []
        for worker in workers:
            self._retire(worker)

    def _retire(self, worker: Worker) -> None:
        worker.stop()
        with self._lock:
            self._all.discard(worker)
