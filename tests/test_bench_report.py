"""The benchmark's summary line names every place the xgboost engine wins, direct invokes too."""

from __future__ import annotations

from bench.tables import crossover_note


def test_a_direct_invoke_where_xgboost_wins_is_named() -> None:
    report = {
        "batch": {"xgboost": {"1": {"median": 10.0}}, "compiled": {"1": {"median": 20.0}}},
        "direct": {"xgboost": {"short": {"rows_per_s": {"median": 30.0}}},
                   "compiled": {"short": {"rows_per_s": {"median": 15.0}}}},
    }
    note = crossover_note(report)
    assert note == ("served model, direct invoke of 10000 short rows: the xgboost engine is "
                    "faster (2.00×)")


def test_a_higher_median_within_the_spread_is_noise_not_a_win() -> None:
    report = {"batch": {"xgboost": {"1": {"median": 10.0}}, "compiled": {"1": {"median": 20.0}}},
              "direct": {"xgboost": {"full": {"rows_per_s": {"median": 11.4, "min": 10.0,
                                                             "max": 11.6}}},
                         "compiled": {"full": {"rows_per_s": {"median": 10.4, "min": 6.0,
                                                              "max": 11.0}}}}}
    assert crossover_note(report) == (
        "the compiled engine is faster at every size measured beyond the noise; served model, "
        "direct invoke of 10000 full rows: the xgboost engine is faster (1.10× in the median, "
        "within the rounds' spread: noise)")


def test_no_win_for_xgboost_says_so() -> None:
    report = {"batch": {"xgboost": {"1": {"median": 10.0}}, "compiled": {"1": {"median": 20.0}}},
              "large_model": {"batch": {"xgboost": {"1": {"median": 1.0}},
                                        "compiled": {"1": {"median": 2.0}}}}}
    assert crossover_note(report) == "the compiled engine is faster at every size measured"
