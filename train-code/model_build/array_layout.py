"""The "arrays" layout: a booster's trees as C tables that app/native/predict_arrays.c walks.

Generated code with a branch per node (TL2cgen's if/else) is the fastest C there is for a
small model, but a large one streams megabytes of code through the instruction cache for
every row and takes gcc minutes to compile. Here the trees are data (16 bytes a node) and
one small loop walks them, so the C compiles in seconds whatever the model's size.

The trees are read from the booster's own JSON, so this works on any booster, categorical
splits included. Everything else the C model does (its interface, the intercepts added
before the trees, the objective's transform) is taken unchanged from TL2cgen's source of
the same model (c_source.py), so both layouts share one definition of those.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xgboost as xgb

DEFAULT_LEFT = 0x80000000
CATEGORICAL = 0x40000000
MAX_FEATURE = 0x3FFFFFFF
MAX_DEPTH = 255
_PREDICT = re.compile(r"void predict\(union Entry\* data, int pred_margin, float\* result\) \{\n"
                      r"(?P<body>.*?)\n  // Apply postprocessor\n"
                      r"  if \(!pred_margin\) \{ postprocess\(result\); \}\n\}\n", re.DOTALL)


class LayoutError(ValueError):
    """The booster has something the arrays layout cannot express; the message says what."""


@dataclass
class Forest:
    """Node tables: (value or category offset, feature | flags, left, right) per node."""

    n_groups: int
    nodes: list[tuple[float | int, int, int, int]] = field(default_factory=list)
    tree_start: list[int] = field(default_factory=list)
    tree_depth: list[int] = field(default_factory=list)
    tree_group: list[int] = field(default_factory=list)
    category_words: list[int] = field(default_factory=list)

    @property
    def has_categorical(self) -> bool:
        return bool(self.category_words)


def forest_from_booster(booster: xgb.Booster) -> Forest:
    learner = json.loads(booster.save_raw("json"))["learner"]
    gradient_booster = learner["gradient_booster"]
    weights: list[float] | None = None
    if gradient_booster["name"] == "dart":
        weights = [float(w) for w in gradient_booster["weight_drop"]]
        gradient_booster = gradient_booster["gbtree"]
    model = gradient_booster["model"]
    params = learner["learner_model_param"]
    # One output per class, or per target (quantile alpha, regression target).
    n_groups = max(1, int(params.get("num_class", "0")), int(params.get("num_target", "1")))
    forest = Forest(n_groups=n_groups)
    for index, (tree, group) in enumerate(zip(model["trees"], model["tree_info"], strict=True)):
        if not 0 <= int(group) < n_groups:
            raise LayoutError(f"tree {index} adds to output {group}, the model has {n_groups}")
        weight = 1.0 if weights is None else weights[index]
        forest.tree_start.append(len(forest.nodes))
        forest.tree_group.append(int(group))
        forest.tree_depth.append(_add_tree(forest, tree, weight, index))
    return forest


def _add_tree(forest: Forest, tree: dict[str, Any], weight: float, index: int) -> int:
    """Appends one tree's nodes (XGBoost's node ids kept); returns its depth."""
    left, right = tree["left_children"], tree["right_children"]
    features, conditions = tree["split_indices"], tree["split_conditions"]
    default_left, split_type = tree["default_left"], tree["split_type"]
    categories = _categories_by_node(tree)
    depth = {0: 0}
    for node in range(len(left)):
        if left[node] == -1:
            # XGBoost's dart scales each tree's output by its weight in float32.
            value = float(np.float32(conditions[node]) * np.float32(weight))
            if not math.isfinite(value):
                raise LayoutError(f"tree {index} has a leaf value that is not finite")
            forest.nodes.append((value, 0, node, node))
            continue
        for child in (left[node], right[node]):
            if not 0 < child < len(left) or child in depth:
                raise LayoutError(f"tree {index} is not a tree (node {node} -> {child})")
            if node not in depth:
                raise LayoutError(f"tree {index}: node {node} comes before its parent")
            depth[child] = depth[node] + 1
        feature = int(features[node])
        if not 0 <= feature <= MAX_FEATURE:
            raise LayoutError(f"tree {index} splits on feature {feature}")
        flags = DEFAULT_LEFT if default_left[node] else 0
        if split_type[node]:
            value_or_offset: float | int = len(forest.category_words)
            forest.category_words += _bitset(categories.get(node, []))
            flags |= CATEGORICAL
        else:
            value_or_offset = float(np.float32(conditions[node]))
        forest.nodes.append((value_or_offset, feature | flags, left[node], right[node]))
    deepest = max(depth.values())
    if deepest > MAX_DEPTH:
        raise LayoutError(f"tree {index} is {deepest} levels deep, more than {MAX_DEPTH}")
    return deepest


def _categories_by_node(tree: dict[str, Any]) -> dict[int, list[int]]:
    flat = tree.get("categories", [])
    return {int(node): [int(c) for c in flat[start:start + size]]
            for node, start, size in zip(tree.get("categories_nodes", []),
                                         tree.get("categories_segments", []),
                                         tree.get("categories_sizes", []), strict=True)}


def _bitset(categories: list[int]) -> list[int]:
    """The word count, then the words: bit c % 32 of word c // 32 set for each category c."""
    if any(not 0 <= c < 1 << 24 for c in categories):
        raise LayoutError("a categorical split has a category outside [0, 2^24)")
    words = [0] * (max(categories, default=-1) // 32 + 1)
    for category in categories:
        words[category // 32] |= 1 << (category % 32)
    return [len(words), *words]


def _float(value: float) -> str:
    if math.isinf(value):
        return "INFINITY" if value > 0 else "-INFINITY"
    mantissa, exponent = value.hex().split("p")
    return f"{mantissa.rstrip('0').rstrip('.')}p{exponent}f"  # exact: a float32's bits


def _table(c_type: str, name: str, values: list[str]) -> str:
    lines = [", ".join(values[i:i + 12]) for i in range(0, len(values), 12)] or ["0"]
    return f"static const {c_type} {name}[] = {{\n  " + ",\n  ".join(lines) + "\n};\n"


def tables_c(forest: Forest) -> str:
    """The forest as static const tables and the struct that predict_arrays.c reads."""
    nodes = []
    for value, feature, left, right in forest.nodes:
        first = (f"{{.categories = {value}u}}" if feature & CATEGORICAL
                 else f"{{{_float(float(value))}}}")
        nodes.append(f"{{{first}, {feature}u, {left}, {right}}}")
    return "".join([
        _table("struct array_node", "NODES", nodes),
        _table("int32_t", "TREE_START", [str(v) for v in forest.tree_start]),
        _table("uint8_t", "TREE_DEPTH", [str(v) for v in forest.tree_depth]),
        _table("int32_t", "TREE_GROUP", [str(v) for v in forest.tree_group]),
        _table("uint32_t", "CATEGORY_WORDS", [f"{v}u" for v in forest.category_words]),
        f"static const struct array_forest FOREST = {{{len(forest.tree_start)}, "
        f"{forest.n_groups}, {int(forest.has_categorical)}, NODES, TREE_START, TREE_DEPTH, "
        "TREE_GROUP, CATEGORY_WORDS};\n",
    ])


def arrays_main_c(tl2cgen_main_c: str, intercepts: str, forest: Forest) -> str:
    """TL2cgen's main.c with its trees replaced by the tables and the walker.

    Its intercepts (`intercepts`: its `result[k] += ...;` lines, added here before the
    trees, XGBoost's order) and its postprocess() stay as they are; predict_block() is the
    batch entry point predict_batch.c calls.
    """
    match = _PREDICT.search(tl2cgen_main_c)
    if match is None:
        raise LayoutError("TL2cgen's generated predict() has an unexpected shape")
    body = f"""#include "predict_arrays.h"

{tables_c(forest)}
static void add_intercepts(float* result) {{
{intercepts}}}

void predict(union Entry* data, int pred_margin, float* result) {{
  float row[{_num_feature(tl2cgen_main_c)}];
  for (int32_t j = 0; j < (int32_t)(sizeof row / sizeof row[0]); ++j) {{
    row[j] = data[j].missing == -1 ? NAN : data[j].fvalue;
  }}
  add_intercepts(result);
  forest_add_trees(&FOREST, row, 1, (int32_t)(sizeof row / sizeof row[0]), result);
  if (!pred_margin) {{ postprocess(result); }}
}}

void predict_block(const float* rows, int32_t n_rows, float* result) {{
  const int32_t n_outputs = N_TARGET * MAX_N_CLASS;
  for (int32_t r = 0; r < n_rows; ++r) add_intercepts(result + r * n_outputs);
  forest_add_trees(&FOREST, rows, n_rows, get_num_feature(), result);
  for (int32_t r = 0; r < n_rows; ++r) postprocess(result + r * n_outputs);
}}
"""
    return tl2cgen_main_c[:match.start()] + body + tl2cgen_main_c[match.end():]


def arrays_header_h(tl2cgen_header_h: str) -> str:
    return tl2cgen_header_h + (
        "\n/* The arrays layout: rows are floats (NaN: missing), result is zeroed n_rows *\n"
        "   N_TARGET * MAX_N_CLASS floats, and the objective's transform is applied. */\n"
        "#define MODEL_PREDICT_BLOCK 1\n"
        "void predict_block(const float* rows, int32_t n_rows, float* result);\n")


def _num_feature(main_c: str) -> int:
    found = re.search(r"int32_t get_num_feature\(void\) \{\n  return (\d+);", main_c)
    if found is None:
        raise LayoutError("TL2cgen's generated get_num_feature() has an unexpected shape")
    return max(1, int(found.group(1)))
