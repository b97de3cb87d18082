"""Hostile input: at least 10,000 generated events of every shape through lambda_handler.

No exception escapes; every refusal carries a documented code (and, over HTTP, its status);
every accepted event answers probabilities in [0, 1] that sum to 1 and agree with the
reference engine (XGBoost itself) on the same event.
"""

from __future__ import annotations

import base64
import json
import math
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import MODEL_DIR, engine_env, import_handler_module, read_parity
from inference.errors import all_error_codes

LIMITS = {"MAX_BATCH_ROWS": "5", "MAX_REQUEST_BYTES": "20000"}
EXAMPLES = 10_000
NAMES, ROWS, _ = read_parity()
UCI = json.loads((MODEL_DIR / "metadata.json").read_text())["feature_aliases"]["uci"]
ALL_NAMES = NAMES + [UCI[n] for n in NAMES]
CODES = all_error_codes()

finite = st.one_of(st.sampled_from([v for row in ROWS[:40] for v in row]),
                   st.floats(-1e6, 1e6, allow_nan=False), st.integers(-10**6, 10**6))
hostile_number = st.one_of(finite, st.floats(), st.integers(), st.just(10**400),
                           st.sampled_from([float("nan"), float("inf"), -float("inf"), True,
                                            None, "12.5", [1.0], {"v": 1}]))
junk = st.recursive(st.one_of(st.none(), st.booleans(), hostile_number, st.text(max_size=6)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.text(max_size=6), inner,
                                                            max_size=3)),
                    max_leaves=8)
real_row = st.sampled_from(ROWS)
positional = st.one_of(real_row, st.lists(st.one_of(finite, hostile_number), min_size=28,
                                          max_size=32))
named = st.builds(lambda row, scheme: dict(zip(NAMES if scheme else ALL_NAMES[30:], row,
                                               strict=True)), real_row, st.booleans())
named_messy = st.dictionaries(st.sampled_from([*ALL_NAMES, "radius", "ünïcødé", ""]),
                              hostile_number, min_size=0, max_size=33)
row = st.one_of(positional, named, named_messy, junk)
payload = st.one_of(
    st.builds(lambda r: {"features": r}, row),
    st.builds(lambda rs: {"instances": rs}, st.lists(row, min_size=0, max_size=7)),
    named, named_messy,
    st.builds(lambda r, k, v: {"features": r, k: v}, row, st.text(max_size=5), junk),
    st.just({"action": "describe"}), junk,
)


def body_text(document: Any, duplicate: bool) -> str:
    text = json.dumps(document)  # NaN and Infinity literals included, as hostile clients send
    if duplicate and text.startswith("{") and len(text) > 2:
        text = text[:-1] + (", " if len(text) > 2 else "") + text[1:]
    return text


@st.composite
def http_event(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["url", "v2", "v1"]))
    method = draw(st.sampled_from(["POST"] * 6 + ["GET", "PUT", "DELETE"]))
    raw = draw(st.one_of(st.builds(body_text, payload, st.booleans()),
                         st.text(max_size=40), st.just(""), st.just("x" * 30_000)))
    encoded = draw(st.booleans())
    if encoded:
        raw = draw(st.sampled_from([base64.b64encode(raw.encode()).decode(), raw + "%%"]))
    event: dict[str, Any] = {"body": draw(st.one_of(st.just(raw), st.none(), junk)),
                             "isBase64Encoded": encoded}
    if kind == "v1":
        event.update(httpMethod=method, requestContext={"httpMethod": method})
    else:
        event.update(version="2.0", requestContext={"http": {"method": method}})
    return event


event_strategy = st.one_of(payload, http_event())


@pytest.fixture(scope="module")
def engines() -> dict[str, Any]:
    return {engine: import_handler_module(engine_env(engine, **LIMITS), f"fuzz_{engine}")
            for engine in ("compiled", "xgboost")}


def answer(module: Any, event: Any) -> tuple[int, dict[str, Any], bool]:
    response = module.lambda_handler(event, None)
    if isinstance(response, bytes):
        document = json.loads(response)
        return (400 if "error" in document else 200), document, False
    assert response["headers"] == {"Content-Type": "application/json"}
    return response["statusCode"], json.loads(response["body"]), True


def test_ten_thousand_hostile_events_never_crash_and_agree_with_xgboost(engines, capsys):
    seen: Counter[str] = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(event_strategy)
    def check(event: Any) -> None:
        seen["events"] += 1
        status, document, http = answer(engines["compiled"], event)
        if "error" in document:
            code = document["error"]["code"]
            assert code in CODES and code != "internal_error", document
            assert len(json.dumps(document)) <= 4096
            assert isinstance(document["error"]["message"], str)
            if http:
                assert status == CODES[code]
            seen[code] += 1
            _, reference, _ = answer(engines["xgboost"], event)
            assert reference["error"]["code"] == code
            return
        assert status == 200
        if "predictions" not in document:
            assert document["model_version"]  # a describe request
            seen["describe"] += 1
            return
        seen["accepted"] += 1
        _, reference, _ = answer(engines["xgboost"], event)
        assert len(reference["predictions"]) == len(document["predictions"])
        for mine, theirs in zip(document["predictions"], reference["predictions"], strict=True):
            probabilities = mine["probabilities"]
            assert all(0.0 <= p <= 1.0 for p in probabilities.values())
            assert math.isclose(sum(probabilities.values()), 1.0, abs_tol=1e-15)
            benign = probabilities["benign"]
            assert abs(benign - theirs["probabilities"]["benign"]) <= 1e-6
            if abs(benign - 0.5) > 1e-6:
                assert mine["label"] == theirs["label"]

    check()
    capsys.readouterr()
    with capsys.disabled():
        print(f"\nfuzz: {seen['events']} events, {seen['accepted']} accepted, "
              f"{seen['describe']} describe, refusals: "
              f"{ {k: v for k, v in seen.items() if k in CODES} }")
    assert seen["events"] >= EXAMPLES
    assert seen["accepted"] > 100 and sum(seen[c] for c in CODES) > 1000
