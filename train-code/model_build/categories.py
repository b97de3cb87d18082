"""A model's categorical features: which they are, their category names, the rows that test them.

XGBoost splits a categorical feature on its integer code: the code's category in the
split's set goes right, any other value left (common/categorical.h, `Decision`): a
negative value, one at or above 2^24 (`InvalidCat`), or a code no split names (above the
largest seen in training) all go left; a fractional value is truncated to its code first;
a missing one takes the split's default direction. Codes are what the serving engines
see. Names are for people: XGBoost 3.1+ stores them in the model (the pandas
categories it was trained on, code i = the i-th name); for older models the user may
supply them (`--categories`). A name that is not among them is refused at request time,
as XGBoost refuses a category it was not trained on.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from model_build.import_errors import OverLimit

# XGBoost's range of categories: codes are below 2^24, what a float32 holds exactly.
CATEGORY_LIMIT = 1 << 24
# Categories per feature served (fixed): each is a parity row and a name in describe.
MAX_CATEGORIES = 1 << 16
MAX_SUPPLIED_BYTES = 16 << 20


class CategoriesError(ValueError):
    """Supplied category names that do not fit the model; the message says why."""


@dataclass(frozen=True)
class CategoricalFeature:
    """One categorical feature: its position, its names in code order (if known) and the
    largest code any split of the model tests."""

    index: int
    name: str
    names: list[str] | None
    names_from: str | None
    largest_split_code: int

    @property
    def known_codes(self) -> int:
        """Codes 0..known_codes-1 are categories the model knows by name or by a split."""
        return max(len(self.names or []), self.largest_split_code + 1)

    def metadata(self) -> dict[str, Any]:
        return {"index": self.index, "categories": self.names, "categories_from": self.names_from,
                "known_codes": self.known_codes}


def categorical_features(learner: dict[str, Any], trees: list[dict[str, Any]],
                         feature_names: list[str],
                         supplied: dict[str, list[str]] | None) -> list[CategoricalFeature]:
    """Every feature that is categorical by its type or by a split, in model order."""
    types = learner.get("feature_types") or []
    largest = _largest_split_codes(trees)
    indices = sorted({i for i, kind in enumerate(types) if kind == "c"} | set(largest))
    stored = model_category_names(learner)
    supplied = dict(supplied or {})
    unknown = sorted(set(supplied) - {feature_names[i] for i in indices})
    if unknown:
        raise CategoriesError(f"categories given for {unknown[:5]}, which the model does not "
                              "split as categorical")
    features = []
    for index in indices:
        name = feature_names[index]
        names, source = stored.get(index), "model" if index in stored else None
        if name in supplied:
            names, source = supplied[name], "supplied"
        if names is not None and len(names) <= largest.get(index, -1):
            raise CategoriesError(f"feature {name!r}: {len(names)} category names, but a split "
                                  f"tests code {largest[index]}")
        feature = CategoricalFeature(index, name, names, source, largest.get(index, -1))
        if feature.known_codes > MAX_CATEGORIES:
            raise OverLimit(f"feature {name[:40]!r} has {feature.known_codes:,} categories "
                            f"(limit {MAX_CATEGORIES:,}, fixed)")
        features.append(feature)
    return features


def _largest_split_codes(trees: list[dict[str, Any]]) -> dict[int, int]:
    largest: dict[int, int] = {}
    for tree in trees:
        flat = tree.get("categories", [])
        for node, start, size in zip(tree.get("categories_nodes", []),
                                     tree.get("categories_segments", []),
                                     tree.get("categories_sizes", []), strict=True):
            feature = int(tree["split_indices"][node])
            codes = flat[start:start + size]
            largest[feature] = max(largest.get(feature, -1), *map(int, codes), -1)
        for node, kind in enumerate(tree.get("split_type", [])):
            if kind:
                largest.setdefault(int(tree["split_indices"][node]), -1)
    return largest


def model_category_names(learner: dict[str, Any]) -> dict[int, list[str]]:
    """XGBoost 3.1+'s stored categories per feature index (strings as they are, numbers as
    their text)."""
    gradient_booster = learner["gradient_booster"]
    model = gradient_booster.get("gbtree", gradient_booster)["model"]
    names: dict[int, list[str]] = {}
    for index, encoding in enumerate((model.get("cats") or {}).get("enc") or []):
        values, offsets = encoding.get("values") or [], encoding.get("offsets") or []
        if offsets:
            text = bytes(values)
            names[index] = [text[a:b].decode("utf-8", "replace") for a, b in pairwise(offsets)]
        elif values:
            names[index] = [_number_text(v) for v in values]
    return names


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def read_supplied(option: str | None) -> dict[str, list[str]] | None:
    """`--categories FILE` (or @FILE): a JSON object of feature name to its category names in
    code order (the pandas `.cat.categories` the model was trained with)."""
    if option is None:
        return None
    path = Path(option[1:] if option.startswith("@") else option)
    try:
        if path.stat().st_size > MAX_SUPPLIED_BYTES:
            raise CategoriesError(f"--categories: {path} is over 16 MiB")
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CategoriesError(f"--categories: cannot read {path} as a JSON object of feature "
                              f"name to a list of category names ({error})") from error
    if not isinstance(document, dict) or not all(
            isinstance(names, list) and all(isinstance(n, str) and n for n in names)
            and len(set(names)) == len(names) for names in document.values()):
        raise CategoriesError("--categories: expected a JSON object of feature name to a list of "
                              "unique, non-empty category names, in code order")
    return document


def probe_values(feature: CategoricalFeature) -> list[float]:
    """Every known code, the first codes above them, and values that are no category:
    negative, fractional, at 2^24 and beyond, missing (NaN)."""
    known = feature.known_codes
    return [*map(float, range(known)), float(known), float(known + 1), float(known + 40),
            -1.0, -0.5, 0.5, known - 0.5, float(CATEGORY_LIMIT - 1), float(CATEGORY_LIMIT),
            1e9, math.nan]
