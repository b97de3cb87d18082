"""Whole CPUs per execution environment by Lambda's rule, so that a memory sweep on the local
runtime shows what more vCPUs do for a batch (the compiled engine splits a large batch across
the CPUs its environment may use).

Lambda gives CPU in proportion to memory: one vCPU's worth at 1,769 MB, six at 10,240 MB. A
function there sees its share as a CPU quota, which it rounds up to whole CPUs
(app/inference/cpus.py). Here each environment is pinned to that many of this machine's CPUs,
at most all of them. The fraction below one vCPU is not emulated: a 512 MB function runs on a
whole CPU here and on about 0.3 of one on Lambda.
"""

from __future__ import annotations

import itertools
import math
import os

MB_PER_VCPU = 1769
MAX_VCPUS = 6
_STARTED = itertools.count()  # environments started so far: each takes the next CPUs in turn


def lambda_cpus(memory_mb: int) -> int:
    """The whole CPUs a function of `memory_mb` may use on Lambda."""
    return min(MAX_VCPUS, max(1, math.ceil(memory_mb / MB_PER_VCPU)))


def environment_cpus(memory_mb: int) -> set[int]:
    """The CPUs of this machine the next environment runs on; successive environments take
    successive CPUs, so concurrent ones share the machine alike."""
    mine = sorted(os.sched_getaffinity(0))
    count = min(len(mine), lambda_cpus(memory_mb))
    start = next(_STARTED) * count
    return {mine[(start + i) % len(mine)] for i in range(count)}
