"""Shared fixtures: handlers per engine, a Lambda context, the XGBoost reference model.

Plain helpers and paths live in tests/helpers.py; tests import them from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from helpers import ENGINES, MODEL_DIR, FakeContext, engine_env, import_handler_module


@pytest.fixture(scope="session", params=ENGINES)
def handler_module(request: pytest.FixtureRequest) -> ModuleType:
    return import_handler_module(engine_env(request.param), f"app_{request.param}")


@pytest.fixture(scope="session")
def handlers() -> dict[str, ModuleType]:
    return {engine: import_handler_module(engine_env(engine), f"app_both_{engine}")
            for engine in ENGINES}


@pytest.fixture()
def context() -> FakeContext:
    return FakeContext()


@pytest.fixture(scope="session")
def xgboost_reference() -> Iterator[Any]:
    import xgboost as xgb

    booster = xgb.Booster(model_file=str(MODEL_DIR / "model.ubj"))
    booster.set_param({"nthread": 1})
    yield booster
