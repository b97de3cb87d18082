"""Rows that exercise a model: both sides of every split of every tree, and its missing-value path.

For each split node of each tree three targets are made: a row that reaches the node and
then goes left (the largest float32 below the threshold), right (the threshold itself, the
boundary case) or takes the learned default direction (the feature missing, NaN). Targets
whose paths are compatible share a row (first fit over the most recent rows), so a model
of hundreds of trees still needs only a few thousand rows. Features a row does not
constrain take threshold values of their own, so every row also exercises other trees.
A categorical split goes left with a code outside its set and right with one in it; each
categorical feature then gets a row per known code and per value that is no category
(categories.probe_values), so every category is checked, not only those the splits name.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from model_build.import_errors import OverLimit
from model_build.import_limits import MAX_PARITY_CELLS

RECENT_ROWS = 32
# A row's state per feature: (low, high) meaning low <= value < high, or None for NaN.
Interval = tuple[float, float]
Requirement = tuple[int, Interval | None]


def below(threshold: float) -> float:
    """The largest float32 value below the threshold: the left side's boundary."""
    return float(np.nextafter(np.float32(threshold), np.float32(-np.inf)))


def point(code: int) -> Interval:
    """The interval holding exactly one category code (float32 code to the next float32)."""
    return (float(code), float(np.nextafter(np.float32(code), np.float32(np.inf))))


def _directions(tree: dict[str, Any], node: int, f: int,
                categories: dict[int, list[int]]) -> tuple[Interval, Interval]:
    """The intervals that go left and right at a node: below / from the threshold, or, for
    a categorical split, a code outside its set / the smallest code in it."""
    if node in categories:
        chosen = set(categories[node])
        outside = next(c for c in range(len(chosen) + 1) if c not in chosen)
        return point(outside), point(min(chosen, default=outside))
    t = float(np.float32(tree["split_conditions"][node]))
    return (-math.inf, t), (t, math.inf)


def split_targets(tree: dict[str, Any]) -> Iterator[list[Requirement]]:
    """Per split node, the requirements of going left, right and missing there."""
    left, feature = tree["left_children"], tree["split_indices"]
    categories = categories_by_node(tree)
    stack: list[tuple[int, list[Requirement]]] = [(0, [])]
    for _ in range(len(left) + 1):  # model_checks refuses cycles; never loop on one anyway
        if not stack:
            return
        node, path = stack.pop()
        if left[node] == -1:
            continue
        f = int(feature[node])
        to_left, to_right = _directions(tree, node, f, categories)
        go_left, go_right = (f, to_left), (f, to_right)
        yield [*path, go_left]
        yield [*path, go_right]
        yield [*path, (f, None)]
        stack.append((left[node], [*path, go_left]))
        stack.append((tree["right_children"][node], [*path, go_right]))
    raise ValueError("a tree visits more nodes than it has: not a tree")


def categories_by_node(tree: dict[str, Any]) -> dict[int, list[int]]:
    """Each categorical split's set of codes (those that go right)."""
    flat = tree.get("categories", [])
    by_node = {int(node): [int(c) for c in flat[start:start + size]]
               for node, start, size in zip(tree.get("categories_nodes", []),
                                            tree.get("categories_segments", []),
                                            tree.get("categories_sizes", []), strict=True)}
    for node, kind in enumerate(tree.get("split_type", [])):
        if kind:
            by_node.setdefault(node, [])
    return by_node


def _fits(row: dict[int, Interval | None],
          needs: list[Requirement]) -> dict[int, Interval | None] | None:
    """The row with the requirements added, or None when they contradict it."""
    merged = dict(row)
    for f, want in needs:
        if f not in merged:
            merged[f] = want
            continue
        have = merged[f]
        if want is None or have is None:
            if want is None and have is None:
                continue
            return None
        low, high = max(have[0], want[0]), min(have[1], want[1])
        if low >= high:
            return None
        merged[f] = (low, high)
    return merged


def _value(state: Interval | None) -> float:
    if state is None:
        return math.nan
    low, high = state
    if high != math.inf:
        value = below(high)
        return value if value >= low else low
    return low


def split_rows(trees: list[dict[str, Any]], num_feature: int, seed: int = 0,
               probes: dict[int, list[float]] | None = None) -> np.ndarray:
    """The rows; `probes` (categorical feature -> values, categories.probe_values) adds a row
    per value of each, other features filled as below."""
    probes = probes or {}
    rows: list[dict[int, Interval | None]] = []
    for tree in trees:
        for needs in split_targets(tree):
            for index in range(max(0, len(rows) - RECENT_ROWS), len(rows)):
                merged = _fits(rows[index], needs)
                if merged is not None:
                    rows[index] = merged
                    break
            else:
                merged = _fits({}, needs)
                # None: missing at a node whose path already tested the same feature.
                if merged is not None:
                    rows.append(merged)
                    _check_cells(len(rows) + 1, num_feature)
    rows.append({f: None for f in range(num_feature)})  # every feature missing
    probe_rows = [(f, value) for f, values in sorted(probes.items()) for value in values]
    _check_cells(len(rows) + len(probe_rows), num_feature)
    fill = _filler(trees, num_feature, len(rows) + len(probe_rows), seed, probes)
    out = fill.copy()
    for r, row in enumerate(rows):
        for f, state in row.items():
            out[r, f] = _value(state)
    for r, (f, value) in enumerate(probe_rows, start=len(rows)):
        out[r, f] = value
    return out


def _check_cells(n_rows: int, num_feature: int) -> None:
    if n_rows * num_feature > MAX_PARITY_CELLS:
        raise OverLimit(f"the generated parity rows would hold over {MAX_PARITY_CELLS:,} values "
                        f"({num_feature:,} features): give a SAMPLE of rows instead")


def _filler(trees: list[dict[str, Any]], num_feature: int, n_rows: int, seed: int,
            probes: dict[int, list[float]]) -> np.ndarray:
    """Values for unconstrained cells: each feature's thresholds and the values just below;
    a categorical feature's codes, known and not."""
    candidates: list[set[float]] = [set() for _ in range(num_feature)]
    for f, probe in probes.items():
        candidates[f].update(v for v in probe if 0 <= v < 1 << 16 and v.is_integer())
    for tree in trees:
        kinds = tree.get("split_type") or [0] * len(tree["left_children"])
        for node, child in enumerate(tree["left_children"]):
            if child != -1 and not kinds[node]:  # a categorical split holds no threshold
                t = float(np.float32(tree["split_conditions"][node]))
                candidates[int(tree["split_indices"][node])].update((t, below(t)))
    rng = np.random.default_rng(seed)
    fill = np.zeros((n_rows, num_feature), dtype=np.float64)
    for f, values in enumerate(candidates):
        if values:
            fill[:, f] = rng.choice(np.array(sorted(values)), size=n_rows)
    return fill
