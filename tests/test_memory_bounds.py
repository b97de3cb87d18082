"""Peak RSS stays under the template's smallest allowed memory (128 MB) for any 6 MB body.

Each shape runs in a fresh process (tests/memory_probe.py) so its peak is its own: the
shapes that used to cost most (6 MB of `{"":{}}` peaked at 225 MB) and the costliest ones
that pass the structural limits and get parsed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import ROOT

LAMBDA_MINIMUM_MB = 128
SHAPES = {"objects": "too_many_values", "lists": "too_many_values", "deep": "too_many_values",
          "floats": "too_many_values", "keys": "unknown_event_shape",
          "astral_strings": "unknown_event_shape", "escaped_key": "unknown_field",
          "batch": "too_many_values"}


def probe(shape: str) -> dict:
    result = subprocess.run([sys.executable, str(ROOT / "tests" / "memory_probe.py"), shape],
                            capture_output=True, text=True, check=True, timeout=120)
    return json.loads(result.stdout.splitlines()[-1])  # after the init log line


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_six_megabyte_body_peaks_under_the_lambda_minimum(shape: str) -> None:
    measured = probe(shape)
    print(f"\nmemory: {measured}")
    assert measured["peak_mb"] <= LAMBDA_MINIMUM_MB, measured
    assert measured["code"] == SHAPES[shape]
