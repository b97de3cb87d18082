"""How many CPUs this process may really use: what a batch can be split across.

`os.cpu_count()` is the host's count. Lambda gives a function CPU in proportion to its
memory (1 vCPU up to 1,769 MB, up to 6 at 10,240 MB); what the process gets shows in its
CPU affinity and in a cgroup CPU quota, whichever is smaller.
"""

from __future__ import annotations

import math
import os

CGROUP_V2_MAX = "/sys/fs/cgroup/cpu.max"
CGROUP_V1_QUOTA = "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"
CGROUP_V1_PERIOD = "/sys/fs/cgroup/cpu/cpu.cfs_period_us"


def usable_cpus() -> int:
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    return max(1, min(count, quota) if quota else count)


def cgroup_cpu_quota() -> int | None:
    """CPUs the cgroup quota allows (rounded up), or None when there is no quota."""
    try:
        with open(CGROUP_V2_MAX) as file:
            return quota_cpus(*file.read().split()[:2])
    except (OSError, TypeError, ValueError):
        pass
    try:
        with open(CGROUP_V1_QUOTA) as quota, open(CGROUP_V1_PERIOD) as period:
            return quota_cpus(quota.read().strip(), period.read().strip())
    except (OSError, TypeError, ValueError):
        return None


def quota_cpus(quota: str, period: str) -> int | None:
    """`max 100000` (no limit), `150000 100000` (1.5 CPUs: 2), or `-1 100000` (cgroup v1)."""
    if quota in ("max", "-1"):
        return None
    return max(1, math.ceil(int(quota) / int(period)))
