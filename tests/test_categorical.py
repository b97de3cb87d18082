# long: three objectives × two layouts × two architectures × two engines share one set of fixtures
"""Categorical models, served: binary, multiclass and regression models with a 2-category and
a 45-category feature (missing values in both) import, compile in both layouts and give
XGBoost's answers for every category, unseen codes, values that are no category and missing
ones, on x86_64 and on aarch64 under qemu; the handler (both engines) takes categories by code
and by name, refuses a name XGBoost refuses, and describe lists the categories."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no stubs pinned
import pytest
import xgboost as xgb

from helpers import AARCH64_CC, APP_DIR, QEMU, ROOT, tool_marks
from lambda_compare.parity_rows import read_parity_rows
from local_lambda.inprocess import load_handler_module
from model_build.c_source import tl2cgen_source

IMPORT = ROOT / "train-code" / "import_model.py"
NATIVE = APP_DIR / "native"
COLORS = ["red", "blue"]
CITIES = [f"city-{i:02d}" for i in range(45)]
FEATURES = ["color", "size", "city"]
ENGINES = ("compiled", "xgboost")
LAYOUTS = ("ifelse", "arrays")
ARCHES = ["x86_64", pytest.param("aarch64", marks=tool_marks(AARCH64_CC, QEMU))]
# case -> objective, extra parameters, whether the model stores its category names
CASES: dict[str, tuple[str, dict[str, object], bool]] = {
    "binary": ("binary:logistic", {}, True),
    "multiclass": ("multi:softprob", {"num_class": 3}, True),
    "regression": ("reg:squarederror", {"max_cat_to_onehot": 1}, False),
}
UNSEEN = [45.0, 46.0, 100.0, -1.0, -0.5, 2.5, 44.9, 2.0 ** 24 - 1, 2.0 ** 24, 1e9, 1e30]


def frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({
        "color": pd.Categorical(rng.choice(COLORS, n), categories=COLORS),
        "size": rng.normal(size=n),
        "city": pd.Categorical(rng.choice(CITIES, n), categories=CITIES),
    })
    data.loc[rng.random(n) < 0.1, "color"] = np.nan
    data.loc[rng.random(n) < 0.1, "city"] = np.nan
    return data


def codes(data: pd.DataFrame) -> np.ndarray:
    """The frame as XGBoost's codes: category code, NaN for missing."""
    columns = [data[name].cat.codes.to_numpy(dtype=float) if name != "size"
               else data[name].to_numpy(dtype=float) for name in FEATURES]
    x = np.column_stack(columns)
    x[:, [0, 2]] = np.where(x[:, [0, 2]] < 0, np.nan, x[:, [0, 2]])
    return x


def labels(case: str, data: pd.DataFrame) -> np.ndarray:
    city = data["city"].cat.codes.to_numpy()
    score = (data["color"] == "red").to_numpy() * 1.0 + np.isin(city, [3, 7, 11, 19, 33, 40]) * 2 \
        + data["size"].to_numpy() + (city > 30) * 0.5
    if case == "binary":
        return (score > 1.5).astype(float)
    if case == "multiclass":
        return np.digitize(score, [1.0, 2.2]).astype(float)
    return score


def train_case(case: str, tmp: Path) -> tuple[xgb.Booster, Path, list[str] | None]:
    """The model trained and saved as a user would; the --categories file when the model does
    not store its names (trained from codes, as before XGBoost 3.1)."""
    objective, params, named = CASES[case]
    data = frame(2000, 0)
    settings = {"objective": objective, "max_depth": 4, "eta": 0.3, "seed": 0, "nthread": 1,
                **params}
    if named:
        matrix = xgb.DMatrix(data, label=labels(case, data), enable_categorical=True)
    else:
        matrix = xgb.DMatrix(codes(data), label=labels(case, data), feature_names=FEATURES,
                             feature_types=["c", "q", "c"], enable_categorical=True)
    booster = xgb.train(settings, matrix, num_boost_round=12)
    path = tmp / f"{case}.json"
    booster.save_model(path)
    if named:
        return booster, path, None
    names = tmp / "categories.json"
    names.write_text(json.dumps({"color": COLORS, "city": CITIES}))
    return booster, path, ["--categories", str(names)]


def run_import(model: Path, out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(IMPORT), str(model), "--output-dir", str(out),
                           *options], capture_output=True, text=True)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(booster, model dir, import output) per (case, layout), imported once."""
    cache: dict[tuple[str, str], tuple[xgb.Booster, Path, str]] = {}

    def get(case: str, layout: str) -> tuple[xgb.Booster, Path, str]:
        if (case, layout) not in cache:
            where = tmp_path_factory.mktemp(f"{case}-{layout}")
            booster, path, options = train_case(case, where)
            result = run_import(path, where / "model", "--layout", layout, *(options or []))
            assert result.returncode == 0, result.stderr
            cache[case, layout] = booster, where / "model", result.stdout
        return cache[case, layout]
    return get


def parity(model_dir: Path, out: Path, arch: str) -> str:
    cross = ([f"CC={AARCH64_CC}", "ARCH=aarch64", f"RUN={QEMU} -L /usr/aarch64-linux-gnu"]
             if arch == "aarch64" else [])
    result = subprocess.run(["make", "-s", "-C", str(NATIVE), "check", f"MODEL_DIR={model_dir}",
                             f"OUT={out}", *cross], capture_output=True, text=True)
    line = next((x for x in result.stdout.splitlines() if x.startswith("parity ")), "")
    assert result.returncode == 0 and line.endswith(" OK"), result.stdout + result.stderr
    assert f"arch={arch}" in line
    return line


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_category_unseen_code_and_missing_value_compiles_to_xgboosts_answer(
        tmp_path: Path, imported: Any, case: str, layout: str, arch: str) -> None:
    _, model_dir, printed = imported(case, layout)
    metadata = json.loads((model_dir / "metadata.json").read_text())
    assert metadata["compiled_layout"]["layout"] == layout
    categorical = metadata["categorical_features"]
    assert categorical["color"]["categories"] == COLORS
    assert categorical["city"]["categories"] == CITIES and categorical["city"]["index"] == 2
    assert categorical["city"]["categories_from"] == ("supplied" if case == "regression"
                                                      else "model")
    assert "categorical feature 'city': 45 codes" in printed
    rows = np.array([[math.nan if v is None else v for v in row]
                     for row in read_parity_rows(model_dir / "parity.csv").rows])
    for column, count in ((0, 2), (2, 45)):
        present = set(rows[:, column][~np.isnan(rows[:, column])].tolist())
        assert set(map(float, range(count + 2))) <= present, "every code, and unseen ones"
        assert {-1.0, 2.0 ** 24, 1e9} <= present and np.isnan(rows[:, column]).any()
    # The parity file holds XGBoost's own outputs for these rows; the C must give them.
    print(f"categorical {case} layout={layout} {parity(model_dir, tmp_path / 'out', arch)}")


def handler(model_dir: Path, tmp: Path, engine: str, name: str) -> Any:
    out = tmp / "lib"
    built = subprocess.run(["make", "-s", "-C", str(NATIVE), "all", f"MODEL_DIR={model_dir}",
                            f"OUT={out}"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    env = {"INFERENCE_ENGINE": engine, "MODEL_DIR": str(model_dir),
           "MODEL_LIBRARY": str(out / "libmodel.so")}
    return load_handler_module(APP_DIR / "app.py", env, name)


def ask(module: Any, rows: list[Any]) -> dict[str, Any]:
    event = {"version": "2.0", "requestContext": {"http": {"method": "POST"}},
             "body": json.dumps({"instances": rows}), "isBase64Encoded": False}
    response = module.lambda_handler(event, None)
    return {"status": response["statusCode"], **json.loads(response["body"])}


def outputs(case: str, predictions: list[dict[str, Any]]) -> np.ndarray:
    if case == "regression":
        return np.array([[p["value"]] for p in predictions])
    if case == "binary":
        return np.array([[p["probabilities"]["1"]] for p in predictions])
    return np.array([list(p["probabilities"].values()) for p in predictions])


def probe_frame() -> pd.DataFrame:
    """Every pair of a color and a city (and missing), as names."""
    pairs = [(c, s, t) for c in [*COLORS, None] for s, t in zip(
        np.linspace(-2, 2, 46), [*CITIES, None], strict=True)]
    return pd.DataFrame({
        "color": pd.Categorical([p[0] for p in pairs], categories=COLORS),
        "size": [p[1] for p in pairs],
        "city": pd.Categorical([p[2] for p in pairs], categories=CITIES)})


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_handler_takes_categories_by_code_and_by_name_as_xgboost_does(
        tmp_path: Path, imported: Any, case: str, engine: str) -> None:
    booster, model_dir, _ = imported(case, "ifelse")
    module = handler(model_dir, tmp_path, engine, f"categorical_{case}_{engine}")
    probe = probe_frame()
    x = codes(probe)
    unseen = np.repeat(x[:1], len(UNSEEN) * 2, axis=0)
    unseen[: len(UNSEEN), 2], unseen[len(UNSEEN):, 0] = UNSEEN, UNSEEN
    x = np.vstack([x, unseen])
    by_code = [[None if math.isnan(v) else v for v in row] for row in x.tolist()]
    want = np.asarray(booster.inplace_predict(x, missing=np.nan)).reshape(len(x), -1)
    answer = ask(module, by_code)
    assert answer["status"] == 200, answer
    worst_code = float(np.abs(outputs(case, answer["predictions"]) - want).max())
    by_name = [{"color": c, "size": s, "city": t} for c, s, t in zip(
        probe["color"].astype(object).where(probe["color"].notna(), None),
        probe["size"], probe["city"].astype(object).where(probe["city"].notna(), None),
        strict=True)]
    named = ask(module, by_name)
    assert named["status"] == 200, named
    if CASES[case][2]:  # XGBoost itself reads the names (it stores them): its own answer
        reference = booster.predict(xgb.DMatrix(probe, enable_categorical=True))
    else:
        reference = want[: len(probe)]
    worst_name = float(np.abs(outputs(case, named["predictions"])
                              - np.asarray(reference).reshape(len(probe), -1)).max())
    print(f"serve categorical {case} engine={engine} rows={len(x)} by code max_abs_diff="
          f"{worst_code:.3g}, {len(probe)} rows by name max_abs_diff={worst_name:.3g}")
    assert worst_code <= 1e-6 and worst_name <= 1e-6
    refused = ask(module, [{"color": "red", "size": 0.0, "city": "atlantis"}])
    assert (refused["status"], refused["error"]["code"]) == (400, "unknown_category")
    assert "'city'" in refused["error"]["message"]
    wrong_place = ask(module, [["red", "big", 3]])
    assert wrong_place["error"]["code"] == "not_a_number"


def test_xgboost_refuses_a_category_name_it_was_not_trained_on(tmp_path: Path) -> None:
    """The rule unknown_category follows: XGBoost's own answer to an unknown name."""
    booster, _, _ = train_case("binary", tmp_path)
    data = pd.DataFrame({"color": pd.Categorical(["red"]), "size": [0.0],
                         "city": pd.Categorical(["atlantis"])})
    with pytest.raises(xgb.core.XGBoostError, match="not in the training set"):
        booster.predict(xgb.DMatrix(data, enable_categorical=True))


def test_describe_names_the_categorical_features_and_their_categories(
        tmp_path: Path, imported: Any) -> None:
    _, model_dir, _ = imported("multiclass", "ifelse")
    module = handler(model_dir, tmp_path, "xgboost", "categorical_describe")
    described = json.loads(module.lambda_handler({"action": "describe"}, None))
    assert described["categorical_features"] == {
        "color": {"categories": COLORS, "known_codes": 2},
        "city": {"categories": CITIES, "known_codes": 45}}
    assert "code" in described["categories"]
    print("describe:", json.dumps({k: described[k] for k in (
        "objective", "feature_names", "categorical_features", "categories")})[:600])


def test_tl2cgens_own_categorical_test_is_undefined_behaviour_the_gate_catches(
        tmp_path: Path, imported: Any) -> None:
    """TL2cgen casts the value to unsigned int before its range check: -1 or 1e9 is
    undefined behaviour. The served C casts after the check; the sanitized gate shows both."""
    booster, model_dir, _ = imported("binary", "ifelse")
    raw = tmp_path / "raw"
    (raw / "c").mkdir(parents=True)
    for name in ("model.ubj", "metadata.json", "parity.csv", "parity_tolerances.txt"):
        (raw / name).write_bytes((model_dir / name).read_bytes())
    header, main_c = tl2cgen_source(booster)
    assert "(tmp = (unsigned int)(data[" in main_c
    (raw / "c" / "header.h").write_text(header)
    (raw / "c" / "main.c").write_text(main_c)
    flags = "CFLAGS=-O0 -fsanitize=float-cast-overflow -fno-sanitize-recover=all"
    checked = subprocess.run(["make", "-s", "-C", str(NATIVE), "check", f"MODEL_DIR={raw}",
                              f"OUT={tmp_path / 'out'}", flags], capture_output=True, text=True)
    assert "is outside the range of representable values" in checked.stderr
    served = subprocess.run(["make", "-s", "-C", str(NATIVE), "check",
                             f"MODEL_DIR={model_dir}", f"OUT={tmp_path / 'served'}", flags],
                            capture_output=True, text=True)
    assert served.returncode == 0 and "runtime error" not in served.stderr, served.stderr


def test_category_names_that_do_not_fit_the_model_are_refused(tmp_path: Path) -> None:
    _, path, _ = train_case("regression", tmp_path)
    short = tmp_path / "short.json"
    short.write_text(json.dumps({"city": CITIES[:10]}))
    result = run_import(path, tmp_path / "model", "--categories", str(short))
    assert result.returncode != 0 and "category names" in result.stderr
    assert not (tmp_path / "model").exists()
    numeric = tmp_path / "numeric.json"
    numeric.write_text(json.dumps({"size": ["small"]}))
    result = run_import(path, tmp_path / "model", "--categories", str(numeric))
    assert result.returncode != 0 and "'size'" in result.stderr


def test_a_feature_with_more_categories_than_served_is_refused_over_limit(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = np.c_[rng.integers(0, 100_000, 300), rng.normal(size=300)].astype(float)
    matrix = xgb.DMatrix(x, label=x[:, 0] % 2 + x[:, 1], feature_types=["c", "q"],
                         enable_categorical=True)
    booster = xgb.train({"max_depth": 2, "max_cat_to_onehot": 1, "nthread": 1}, matrix, 2)
    booster.save_model(tmp_path / "huge.json")
    result = run_import(tmp_path / "huge.json", tmp_path / "model")
    assert result.returncode == 3 and "over_limit" in result.stderr
    assert "limit 65,536" in result.stderr and not (tmp_path / "model").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_hostile_rows_get_xgboosts_answer_or_a_documented_refusal(
        tmp_path: Path, imported: Any, engine: str) -> None:
    """Random rows mixing codes, names, unknown names, values that are no category and junk:
    every answer is XGBoost's (on the same codes) or one documented, bounded error."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from inference.errors import all_error_codes

    booster, model_dir, _ = imported("binary", "arrays")
    module = handler(model_dir, tmp_path, engine, f"categorical_hostile_{engine}")
    codes_of = {0: {n: i for i, n in enumerate(COLORS)}, 2: {n: i for i, n in enumerate(CITIES)}}
    category = st.one_of(st.integers(-3, 50), st.sampled_from([*UNSEEN, None]),
                         st.sampled_from([*COLORS, *CITIES]), st.text(max_size=8),
                         st.floats(allow_nan=False, allow_infinity=False), st.booleans())
    row = st.tuples(category, st.one_of(st.floats(-3, 3), st.none(), st.text(max_size=3)),
                    category)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(row, min_size=1, max_size=4))
    def check(rows: list[tuple[Any, Any, Any]]) -> None:
        answer = ask(module, [list(r) for r in rows])
        if answer["status"] != 200:
            assert answer["error"]["code"] in all_error_codes()
            assert len(json.dumps(answer)) < 4096
            return
        x = np.array([[math.nan if v is None else float(codes_of[i][v]) if isinstance(v, str)
                       else float(v) for i, v in enumerate(r)] for r in rows])
        want = booster.inplace_predict(x, missing=np.nan)
        got = outputs("binary", answer["predictions"])[:, 0]
        assert np.abs(got - want).max() <= 1e-6

    check()


def test_a_sample_gets_every_category_and_unseen_code_added(tmp_path: Path) -> None:
    _, path, options = train_case("regression", tmp_path)
    sample = tmp_path / "sample.csv"
    x = codes(frame(20, 1))
    sample.write_text(",".join(FEATURES) + "\n" + "\n".join(
        ",".join("" if math.isnan(v) else str(v) for v in row.tolist()) for row in x) + "\n")
    result = run_import(path, tmp_path / "model", "--sample", str(sample), *(options or []))
    assert result.returncode == 0, result.stderr
    rows = np.array([[math.nan if v is None else v for v in row] for row in
                     read_parity_rows(tmp_path / "model" / "parity.csv").rows])
    np.testing.assert_array_equal(rows[:20], x)
    assert set(map(float, range(46))) <= set(rows[20:, 2].tolist())
    assert {-1.0, 2.0 ** 24} <= set(rows[20:, 0].tolist())
