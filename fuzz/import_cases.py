"""Hostile model files for the importer, and the one-line answer each must get.

    .venv/bin/python -m fuzz.import_cases      # (re)writes fuzz/regressions/import/

Each case edits a small, real XGBoost model (2 features, binary:logistic, 2 trees of
depth 2) the way a broken or malicious file would: split indices out of range, trees
that are not trees, numbers that are not finite, nesting bombs, huge strings. The files
are the importer fuzz target's regression corpus (replayed before every fuzz run) and
`make test` imports every one of them and checks the exit status and the error code.
"""

from __future__ import annotations

import copy
import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

CORPUS = Path(__file__).resolve().parent / "regressions" / "import"
REFUSED, OVER_LIMIT = 2, 3
Document = dict[str, Any]


def base_booster() -> xgb.Booster:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    matrix = xgb.DMatrix(x, label=(x[:, 0] + x[:, 1] > 0).astype(float))
    return xgb.train({"objective": "binary:logistic", "max_depth": 2, "nthread": 1, "seed": 0},
                     matrix, num_boost_round=2)


def base_document() -> Document:
    document: Document = json.loads(bytes(base_booster().save_raw("json")))
    return document


_TYPED = {"left_children": "l", "right_children": "l", "parents": "l", "split_indices": "l",
          "categories": "l", "categories_nodes": "l", "categories_segments": "L",
          "categories_sizes": "L", "default_left": "U", "split_type": "U"}
_STRUCT = {"l": "i", "L": "q", "U": "B", "d": "f", "D": "d"}
_RANGES = {"l": 1 << 31, "U": 1 << 8, "L": 1 << 63}
_FLOAT32_MAX = 3.4028234663852886e38


def _array_type(value: list[Any], key: str) -> str | None:
    """The typed-array marker for a list, or None to write it element by element."""
    numbers = [v for v in value if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not value or len(numbers) != len(value):
        return None
    if all(isinstance(v, int) for v in value):
        marker = _TYPED.get(key)
        if marker is None:
            return None
        low = 0 if marker == "U" else -_RANGES[marker]
        return marker if all(low <= v < _RANGES[marker] for v in value) else None
    return "D" if any(_FLOAT32_MAX < abs(v) < float("inf") for v in value) else "d"


def ubjson(value: Any, key: str = "") -> bytes:
    """UBJSON as XGBoost writes it: int64 lengths, a tree's columns as typed arrays."""
    if isinstance(value, dict):
        return b"{" + b"".join(_length(len(k.encode())) + k.encode() + ubjson(v, k)
                               for k, v in value.items()) + b"}"
    if isinstance(value, list):
        marker = _array_type(value, key)
        if marker:
            return (f"[${marker}#".encode() + _length(len(value))
                    + struct.pack(f">{len(value)}{_STRUCT[marker]}", *value))
        return b"[#" + _length(len(value)) + b"".join(ubjson(v) for v in value)
    if isinstance(value, bool):
        return b"T" if value else b"F"
    if isinstance(value, str):
        return b"S" + _length(len(value.encode())) + value.encode()
    if isinstance(value, int):
        return b"L" + struct.pack(">q", value)
    if isinstance(value, float):
        if _FLOAT32_MAX < abs(value) < float("inf"):
            return b"D" + struct.pack(">d", value)
        return b"d" + struct.pack(">f", value)
    return b"Z"


def _length(n: int) -> bytes:
    return b"L" + struct.pack(">q", n)


def _tree(document: Document, index: int = 0) -> Document:
    tree: Document = document["learner"]["gradient_booster"]["model"]["trees"][index]
    return tree


def _set(path: str, value: Any) -> Callable[[Document], None]:
    """An edit at a dotted path: 'learner.learner_model_param.num_feature'."""
    def edit(document: Document) -> None:
        *parents, last = path.split(".")
        node = document
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value
    return edit


def _tree_edit(column: str, node: int, value: Any) -> Callable[[Document], None]:
    def edit(document: Document) -> None:
        _tree(document)[column][node] = value
    return edit


def _first_leaf(document: Document) -> int:
    return _tree(document)["left_children"].index(-1)


def _leaf_value(value: float) -> Callable[[Document], None]:
    def edit(document: Document) -> None:
        _tree(document)["split_conditions"][_first_leaf(document)] = value
    return edit


def _chain(depth: int) -> Callable[[Document], None]:
    """Tree 0 becomes a chain of `depth` splits: split 2k goes left to 2k+2, right to leaf 2k+1."""
    def edit(document: Document) -> None:
        n = 2 * depth + 1
        left, right, parents = [-1] * n, [-1] * n, [2147483647] * n
        for level in range(depth):
            node = 2 * level
            left[node], right[node] = node + 2, node + 1
            parents[node + 1] = parents[node + 2] = node
        tree = _tree(document)
        tree.update(left_children=left, right_children=right, parents=parents,
                    split_indices=[0] * n, split_conditions=[0.5] * n, split_type=[0] * n,
                    default_left=[0] * n, base_weights=[0.1] * n, loss_changes=[0.0] * n,
                    sum_hessian=[1.0] * n)
        tree["tree_param"]["num_nodes"] = str(n)
    return edit


@dataclass(frozen=True)
class Case:
    edit: Callable[[Document], None] | None
    status: int
    code: str
    ubjson: bool = False
    raw: bytes | None = None  # bytes as they are, no base model


def _nesting_bomb() -> bytes:
    return b'{"learner": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def _ubjson_bomb() -> bytes:
    return b"{L\x00\x00\x00\x00\x00\x00\x00\x07learner" + b"[" * 100_000 + b"]" * 100_000 + b"}"


CASES: dict[str, Case] = {
    "split-index-out-of-range.json": Case(_tree_edit("split_indices", 0, 5), REFUSED,
                                          "split_index_out_of_range"),
    "split-index-out-of-range.ubj": Case(_tree_edit("split_indices", 0, 5), REFUSED,
                                         "split_index_out_of_range", ubjson=True),
    "split-index-negative.json": Case(_tree_edit("split_indices", 0, -1), REFUSED,
                                      "split_index_out_of_range"),
    "child-points-to-root.json": Case(_tree_edit("left_children", 1, 0), REFUSED, "not_a_tree"),
    "self-loop.json": Case(_tree_edit("left_children", 1, 1), REFUSED, "not_a_tree"),
    "shared-child.json": Case(_tree_edit("right_children", 1, 3), REFUSED, "not_a_tree"),
    "child-out-of-range.json": Case(_tree_edit("left_children", 0, 99), REFUSED,
                                    "child_out_of_range"),
    "chain-5000-deep.json": Case(_chain(5000), OVER_LIMIT, "over_limit"),
    "num-feature-1e8.json": Case(_set("learner.learner_model_param.num_feature", "100000000"),
                                 OVER_LIMIT, "over_limit"),
    "nan-leaf.json": Case(_leaf_value(float("nan")), REFUSED, "non_finite_value"),
    "inf-leaf.json": Case(_leaf_value(1e39), REFUSED, "non_finite_value"),  # inf as float32
    "inf-leaf.ubj": Case(_leaf_value(float("inf")), REFUSED, "non_finite_value", ubjson=True),
    "nan-threshold.json": Case(_tree_edit("split_conditions", 0, float("nan")), REFUSED,
                               "non_finite_value"),
    "base-score-not-a-number.json": Case(_set("learner.learner_model_param.base_score", "abc"),
                                         REFUSED, "invalid_base_score"),
    "base-score-nan.json": Case(_set("learner.learner_model_param.base_score", "[NaN]"),
                                REFUSED, "invalid_base_score"),
    "base-score-one-for-logistic.json": Case(
        _set("learner.learner_model_param.base_score", "[1E0]"), REFUSED, "invalid_base_score"),
    "num-class-negative.json": Case(_set("learner.learner_model_param.num_class", "-1"),
                                    REFUSED, "invalid_num_class"),
    "num-class-huge.json": Case(_set("learner.learner_model_param.num_class", "1000000000"),
                                REFUSED, "invalid_num_class"),
    "num-class-text.json": Case(_set("learner.learner_model_param.num_class", "three"),
                                REFUSED, "invalid_num_class"),
    "num-feature-separator-space.json": Case(  # a control character int() will not strip
        _set("learner.learner_model_param.num_feature", "\x1d 2"), REFUSED, "invalid_model"),
    "num-class-on-binary.json": Case(_set("learner.learner_model_param.num_class", "3"),
                                     REFUSED, "invalid_num_class"),
    "tree-info-out-of-range.json": Case(
        _set("learner.gradient_booster.model.tree_info", [7, 0]), REFUSED, "invalid_model"),
    "duplicate-feature-names.json": Case(_set("learner.feature_names", ["a", "a"]), REFUSED,
                                         "invalid_feature_names"),
    "empty-feature-name.json": Case(_set("learner.feature_names", ["a", ""]), REFUSED,
                                    "invalid_feature_names"),
    "nul-in-feature-name.json": Case(_set("learner.feature_names", ["a", "b\x00c"]), REFUSED,
                                     "invalid_feature_names"),
    "huge-attribute.json": Case(_set("learner.attributes", {"notes": "x" * 300_000}),
                                OVER_LIMIT, "over_limit"),
    "nesting-bomb.json": Case(None, OVER_LIMIT, "over_limit", raw=_nesting_bomb()),
    "nesting-bomb.ubj": Case(None, OVER_LIMIT, "over_limit", raw=_ubjson_bomb()),
    "typed-array-longer-than-file.ubj": Case(
        None, REFUSED, "malformed_model_file",
        raw=b"{L\x00\x00\x00\x00\x00\x00\x00\x01a[$d#L\x00\x00\x00\x7f\xff\xff\xff\xff}"),
    "truncated.json": Case(None, REFUSED, "malformed_model_file", raw=b'{"learner": {"a": [1, 2'),
    "missing-learner-params.json": Case(None, REFUSED, "invalid_model",
                                        raw=b'{"learner": {"objective": 1}}'),
}


def case_bytes(name: str, base: Document | None = None) -> bytes:
    case = CASES[name]
    if case.raw is not None:
        return case.raw
    document = copy.deepcopy(base if base is not None else base_document())
    assert case.edit is not None
    case.edit(document)
    if case.ubjson:
        return ubjson(document)
    return json.dumps(document, separators=(",", ":")).encode()


def write_corpus(directory: Path = CORPUS) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    base = base_document()
    written = []
    for name in CASES:
        path = directory / name
        path.write_bytes(case_bytes(name, base))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Writes the seed corpus and lists it (no options)."""
    del argv
    for path in write_corpus():
        print(f"{path.stat().st_size:>9}  {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
