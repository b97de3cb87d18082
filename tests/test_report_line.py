"""The local runtime's REPORT line: Lambda's format, and a Billed Duration one can check by hand."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from lambda_compare.report_line import parse_report_line
from local_lambda.report_line import Report

durations = st.floats(0, 60_000, allow_nan=False)


@given(durations, st.one_of(st.none(), durations))
def test_billed_duration_is_the_ceiling_of_the_printed_figures(duration, init) -> None:
    line = Report("id", duration, 512, 40, init_duration_ms=init).line()
    parsed = parse_report_line(line)
    expected = math.ceil(round(parsed.duration_ms + (parsed.init_duration_ms or 0.0), 6))
    assert parsed.billed_duration_ms == max(1, expected)
    assert (parsed.init_duration_ms is None) == (init is None)
