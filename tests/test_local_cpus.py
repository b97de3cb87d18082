"""The local runtime's CPUs per environment: Lambda's rule in whole CPUs, spread over the
machine (the sweep against the real runtime is in test_compare_local.py)."""

from __future__ import annotations

import os

import pytest

from local_lambda.cpus import environment_cpus, lambda_cpus


@pytest.mark.parametrize("memory_mb, cpus", [(128, 1), (512, 1), (1769, 1), (1770, 2),
                                             (3538, 2), (3539, 3), (10240, 6)])
def test_lambda_gives_one_cpu_per_1769_mb_up_to_six(memory_mb, cpus):
    assert lambda_cpus(memory_mb) == cpus


def test_successive_environments_take_successive_cpus_within_this_machine():
    machine = sorted(os.sched_getaffinity(0))
    first, second = environment_cpus(512), environment_cpus(512)
    assert len(first) == len(second) == 1 and first | second <= set(machine)
    if len(machine) > 1:
        assert first != second
    assert len(environment_cpus(10240)) == min(6, len(machine))
