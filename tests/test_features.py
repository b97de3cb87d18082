"""Feature naming schemes and row parsing: every name maps to the right column."""

from __future__ import annotations

import json
from array import array

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer

from helpers import EVENTS_DIR, load_event
from inference.errors import RequestError, all_error_codes
from inference.features import FeatureSchema
from inference.requests import Limits, parse_payload
from model_build.dataset import uci_name  # training's copy: the demo's aliases come from it

DATA = load_breast_cancer()
SKLEARN_NAMES = [str(n) for n in DATA.feature_names]
SCHEMA = FeatureSchema(SKLEARN_NAMES, {"uci": {name: uci_name(name) for name in SKLEARN_NAMES}})
LIMITS = Limits(max_batch_rows=100, max_request_bytes=1_000_000)
# The original sample's event is row 49 of the data set (UCI file order = scikit-learn's).
SAMPLE_ROW = 49

UCI_TABLE = [
    ("radius_mean", "mean radius"), ("texture_mean", "mean texture"),
    ("perimeter_mean", "mean perimeter"), ("area_mean", "mean area"),
    ("smoothness_mean", "mean smoothness"), ("compactness_mean", "mean compactness"),
    ("concavity_mean", "mean concavity"), ("concave points_mean", "mean concave points"),
    ("symmetry_mean", "mean symmetry"), ("fractal_dimension_mean", "mean fractal dimension"),
    ("radius_se", "radius error"), ("texture_se", "texture error"),
    ("perimeter_se", "perimeter error"), ("area_se", "area error"),
    ("smoothness_se", "smoothness error"), ("compactness_se", "compactness error"),
    ("concavity_se", "concavity error"), ("concave points_se", "concave points error"),
    ("symmetry_se", "symmetry error"), ("fractal_dimension_se", "fractal dimension error"),
    ("radius_worst", "worst radius"), ("texture_worst", "worst texture"),
    ("perimeter_worst", "worst perimeter"), ("area_worst", "worst area"),
    ("smoothness_worst", "worst smoothness"), ("compactness_worst", "worst compactness"),
    ("concavity_worst", "worst concavity"), ("concave points_worst", "worst concave points"),
    ("symmetry_worst", "worst symmetry"), ("fractal_dimension_worst", "worst fractal dimension"),
]


@pytest.mark.parametrize(("uci", "sklearn_name"), UCI_TABLE)
def test_uci_name_maps_to_the_scikit_learn_column_with_the_same_values(uci: str,
                                                                        sklearn_name: str) -> None:
    assert uci_name(sklearn_name) == uci
    sample = load_event(EVENTS_DIR / "event.json")
    column = SKLEARN_NAMES.index(sklearn_name)
    assert sample[uci] == pytest.approx(DATA.data[SAMPLE_ROW, column], rel=1e-12)
    parsed = parse_payload(sample, SCHEMA, LIMITS)
    assert parsed.values[column] == pytest.approx(DATA.data[SAMPLE_ROW, column], rel=1e-12)


def test_sample_event_is_the_original_flat_format_in_uci_order() -> None:
    sample = load_event(EVENTS_DIR / "event.json")
    assert list(sample) == [uci for uci, _ in UCI_TABLE]


@pytest.mark.parametrize("wrapper", ["flat", "features", "instances"])
@pytest.mark.parametrize("scheme", ["uci", "sklearn"])
def test_both_naming_schemes_work_flat_in_features_and_in_batches(wrapper: str,
                                                                 scheme: str) -> None:
    names = [u for u, _ in UCI_TABLE] if scheme == "uci" else SKLEARN_NAMES
    row = dict(zip(names, DATA.data[7].tolist(), strict=True))
    payload = {"flat": row, "features": {"features": row},
               "instances": {"instances": [row, row]}}[wrapper]
    parsed = parse_payload(payload, SCHEMA, LIMITS)
    assert list(parsed.values[:30]) == DATA.data[7].tolist()


def code_of(payload: object) -> str:
    with pytest.raises(RequestError) as caught:
        parse_payload(payload, SCHEMA, LIMITS)
    return caught.value.code


def test_same_feature_under_both_schemes_is_a_duplicate_not_a_silent_pick() -> None:
    row = dict(zip(SKLEARN_NAMES, DATA.data[0].tolist(), strict=True))
    row["radius_mean"] = 99.0
    assert code_of({"features": row}) == "duplicate_feature"


def test_half_uci_half_scikit_learn_is_refused_as_mixed() -> None:
    row = {(uci if i % 2 else sk): v for i, ((uci, sk), v) in
           enumerate(zip(UCI_TABLE, DATA.data[0].tolist(), strict=True))}
    assert code_of({"instances": [DATA.data[0].tolist(), row]}) == "mixed_feature_names"


def test_null_is_a_missing_value_by_position_and_by_name() -> None:
    row = DATA.data[0].tolist()
    row[3] = None
    by_position = parse_payload({"features": row}, SCHEMA, LIMITS)
    by_name = parse_payload({"features": dict(zip(SKLEARN_NAMES, row, strict=True))},
                            SCHEMA, LIMITS)
    for parsed in (by_position, by_name):
        assert np.isnan(parsed.values[3])
        assert list(parsed.values[:3]) == row[:3] and list(parsed.values[4:]) == row[4:]


def test_a_nan_literal_is_refused_even_beside_a_null() -> None:
    row = DATA.data[0].tolist()
    row[2], row[5] = None, float("nan")
    assert code_of({"features": row}) == "non_finite_value"


@pytest.mark.parametrize(("value", "code"), [
    (True, "not_a_number"), ("1.5", "not_a_number"),
    ([1.0], "not_a_number"), (float("nan"), "non_finite_value"),
    (float("inf"), "non_finite_value"), (10**400, "non_finite_value"),
])
def test_values_must_be_finite_json_numbers(value: object, code: str) -> None:
    row = DATA.data[0].tolist()
    row[17] = value
    assert code_of({"features": row}) == code


def test_big_finite_values_whose_sum_overflows_are_still_accepted() -> None:
    parsed = parse_payload({"features": [1e308] * 30}, SCHEMA, LIMITS)
    assert parsed.n_rows == 1 and list(parsed.values) == [1e308] * 30


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                      st.text(max_size=8))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
number = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers())
row_strategy = st.one_of(
    st.lists(number, min_size=28, max_size=32),
    st.dictionaries(st.sampled_from(SKLEARN_NAMES + [u for u, _ in UCI_TABLE] + ["x"]), number,
                    min_size=25, max_size=32),
    json_value,
)
payload_strategy = st.one_of(
    json_value,
    st.builds(lambda r: {"features": r}, row_strategy),
    st.builds(lambda rs: {"instances": rs}, st.lists(row_strategy, max_size=4)),
    st.dictionaries(st.sampled_from(SKLEARN_NAMES + [u for u, _ in UCI_TABLE]), number,
                    min_size=28, max_size=32),
)


@settings(max_examples=400, deadline=None)
@given(payload_strategy)
def test_any_payload_is_parsed_or_refused_with_a_documented_code(payload: object) -> None:
    try:
        parsed = parse_payload(payload, SCHEMA, LIMITS)
    except RequestError as error:
        assert error.code in all_error_codes()
        json.dumps({"message": error.message, "details": error.details})
        return
    assert isinstance(parsed.values, array)
    assert len(parsed.values) == parsed.n_rows * 30
    assert all(np.isfinite(parsed.values))
