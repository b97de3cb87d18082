"""The importer's model checks under atheris, then XGBoost on what they let through.

Each input is a model file, as bytes (a corpus file, mutated), or, when it starts with a
NUL byte, a list of edits to a small real model (a value of any kind written at a random
place of a random tree or parameter) encoded as JSON or UBJSON, which reaches far deeper
than byte flips in JSON text. The input goes through what `import_model` does before any
C is generated: the size cap, the decoders, the checks, XGBoost's own load, the checks on
XGBoost's view, the generated parity rows and XGBoost's prediction of them. A refusal
(ImportRefused, the importer's other refusals, XGBoostError) is the expected answer; any
other exception, a crash, a timeout or running out of memory is a finding. Run through
`python -m fuzz.run import`, which replays fuzz/regressions/import/ first.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import atheris

# The libraries first, uninstrumented (instrumenting numpy and XGBoost's Python takes
# minutes and says nothing about the importer); then the importer's own modules.
import numpy as np
import tl2cgen  # noqa: F401
import treelite  # noqa: F401
import xgboost as xgb

from fuzz.import_cases import base_document, ubjson

with atheris.instrument_imports():
    from model_build import (
        import_errors,
        import_limits,
        model_checks,
        model_document,
        model_file,
        objectives,
        split_rows,
        ubjson_reader,  # noqa: F401
    )

# Small caps keep every input quick; the caps themselves are tested in tests/.
LIMITS = import_limits.Limits(max_file_mb=1, max_trees=64, max_depth=16, max_features=64,
                              max_nodes=4096)
EXPECTED = (import_errors.ImportRefused, model_file.ModelFileError,
            objectives.UnsupportedObjective, xgb.core.XGBoostError)
BASE = base_document()
TREE_COLUMNS = ("left_children", "right_children", "parents", "split_indices",
                "split_conditions", "default_left", "split_type", "base_weights")
PARAMS = ("num_feature", "num_class", "num_target", "base_score")


def fuzzed_value(fdp: atheris.FuzzedDataProvider) -> Any:
    kind = fdp.ConsumeIntInRange(0, 6)
    if kind == 0:
        return fdp.ConsumeIntInRange(-3, 12)
    if kind == 1:
        return fdp.PickValueInList([float("nan"), float("inf"), -float("inf"), 1e39, -0.0,
                                    0.5, 2.0**31])
    if kind == 2:
        return fdp.ConsumeInt(8)
    if kind == 3:
        return fdp.ConsumeUnicodeNoSurrogates(8)
    if kind == 4:
        return fdp.ConsumeRegularFloat()
    if kind == 5:
        return [fdp.ConsumeIntInRange(-2, 8) for _ in range(fdp.ConsumeIntInRange(0, 9))]
    return None


def edited_model(fdp: atheris.FuzzedDataProvider) -> bytes:
    document = json.loads(json.dumps(BASE))
    learner = document["learner"]
    trees = learner["gradient_booster"]["model"]["trees"]
    for _ in range(fdp.ConsumeIntInRange(1, 4)):
        where = fdp.ConsumeIntInRange(0, 3)
        value = fuzzed_value(fdp)
        if where == 0:
            column = trees[fdp.ConsumeIntInRange(0, len(trees) - 1)][
                fdp.PickValueInList(list(TREE_COLUMNS))]
            column[fdp.ConsumeIntInRange(0, len(column) - 1)] = value
        elif where == 1:
            text = value if isinstance(value, str) else str(value)
            learner["learner_model_param"][fdp.PickValueInList(list(PARAMS))] = text
        elif where == 2:
            learner["feature_names"] = [str(fuzzed_value(fdp)), str(fuzzed_value(fdp))]
        else:
            learner["gradient_booster"]["model"]["tree_info"][
                fdp.ConsumeIntInRange(0, len(trees) - 1)] = value
    if fdp.ConsumeBool():
        return ubjson(document)
    return json.dumps(document).encode()


def import_checks(raw: bytes) -> None:
    """What the importer does with a model file before it generates any C."""
    if len(raw) > LIMITS.max_file_bytes:
        return
    file_format, document = model_document.decode_model(raw)
    model_checks.check_model(document, LIMITS)
    booster = xgb.Booster()
    booster.set_param({"nthread": 1})
    booster.load_model(bytearray(raw))
    model_checks.check_model(model_document.decode_json(bytes(booster.save_raw("json"))),
                             LIMITS)
    info = model_file.describe(booster, file_format)
    rows = split_rows.split_rows(info.trees, info.num_feature)
    predicted = booster.inplace_predict(rows, validate_features=False, missing=np.nan)
    assert len(predicted) == len(rows)


def check(data: bytes) -> None:
    raw = edited_model(atheris.FuzzedDataProvider(data[1:])) if data[:1] == b"\x00" else data
    try:
        import_checks(raw)
    except EXPECTED:
        return


def main(argv: Sequence[str] | None = None) -> int:
    xgb.set_config(verbosity=0)
    atheris.Setup([sys.argv[0], *(sys.argv[1:] if argv is None else argv)], check)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
