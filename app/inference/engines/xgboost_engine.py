"""XGBoost itself on the saved model: the reference engine.

`inplace_predict` skips building a DMatrix, the largest per-call cost for small batches.
Threads are pinned so one invocation never fights the Lambda sandbox for cores.
"""

from __future__ import annotations

from array import array

import numpy as np
import xgboost as xgb

from ..bundle import ModelBundle
from ..settings import Settings
from . import Engine


class XGBoostEngine(Engine):
    name = "xgboost"

    def __init__(self, model_path: str, num_features: int, threads: int, objective: str) -> None:
        self._booster = xgb.Booster(model_file=model_path)
        params: dict[str, object] = {"nthread": threads}
        if objective == "multi:softmax":
            # Its prediction is the class index; the class probabilities, which the compiled
            # model gives and the response shows, are softprob's view of the same trees.
            params["objective"] = "multi:softprob"
        self._booster.set_param(params)
        self._num_features = num_features

    @classmethod
    def load(cls, settings: Settings, bundle: ModelBundle) -> XGBoostEngine:
        return cls(bundle.model_path, bundle.num_features, settings.xgboost_threads,
                   bundle.objective)

    def predict(self, values: array, n_rows: int) -> array:
        matrix = np.frombuffer(values, dtype=np.float64).reshape(n_rows, self._num_features)
        predicted = self._booster.inplace_predict(matrix, validate_features=False,
                                                  missing=np.nan)
        return array("d", np.ascontiguousarray(predicted, dtype=np.float64).tobytes())

    def versions(self) -> dict[str, str]:
        return {"xgboost": xgb.__version__, "numpy": np.__version__}
