"""Feature names and rows: every accepted way to name a feature maps to the model's order here.

Two naming schemes are accepted:
- scikit-learn's, as the model was trained (`mean radius`, `radius error`, `worst radius`);
- the UCI data file's, which the original sample's callers use (`radius_mean`, `radius_se`,
  `radius_worst`; `concave points_mean` keeps its space).
A row uses one scheme; giving a feature twice or mixing schemes is refused, never guessed.
"""

from __future__ import annotations

import math
import operator
from array import array
from collections.abc import Mapping, Sequence
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .errors import (
    DuplicateFeature,
    InvalidFeatureCount,
    InvalidRow,
    MissingFeature,
    MixedFeatureNames,
    NonFiniteValue,
    NotANumber,
    UnknownFeature,
)

SKLEARN = "scikit-learn"
UCI = "uci"
_UCI_SUFFIX = {"mean": "mean", "error": "se", "worst": "worst"}
_NUMBER_TYPES = frozenset((int, float))
_MAX_NAMES_IN_MESSAGE = 5


def uci_name(sklearn_name: str) -> str:
    """`mean concave points` -> `concave points_mean`, `fractal dimension error` -> `fractal_dimension_se`."""
    if sklearn_name.endswith(" error"):
        base, kind = sklearn_name[: -len(" error")], "error"
    else:
        kind, _, base = sklearn_name.partition(" ")
        if kind not in ("mean", "worst"):
            raise ValueError(f"not a breast-cancer feature name: {sklearn_name!r}")
    # The UCI file spells every base with underscores except `concave points`.
    uci_base = base if base == "concave points" else base.replace(" ", "_")
    return f"{uci_base}_{_UCI_SUFFIX[kind]}"


def _preview(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:_MAX_NAMES_IN_MESSAGE])
    more = len(names) - _MAX_NAMES_IN_MESSAGE
    return shown + (f" and {more} more" if more > 0 else "")


class FeatureSchema:
    """Knows the model's feature order and turns user rows into one flat float64 buffer."""

    def __init__(self, feature_names: Sequence[str]) -> None:
        self.feature_names = tuple(feature_names)
        self.size = len(self.feature_names)
        self._lookup: dict[str, tuple[int, str]] = {}
        for index, name in enumerate(self.feature_names):
            self._lookup[name] = (index, SKLEARN)
            self._lookup[uci_name(name)] = (index, UCI)
        # A complete row in one scheme is read in one C-level step (the common case).
        self._getters = {scheme: operator.itemgetter(*self.names_in(scheme))
                         for scheme in (SKLEARN, UCI)}

    def names_in(self, scheme: str) -> list[str]:
        return [name if scheme == SKLEARN else uci_name(name) for name in self.feature_names]

    def knows(self, name: object) -> bool:
        return name in self._lookup

    def append_row(self, out: array, row: Any, row_index: int) -> None:
        if isinstance(row, list):
            self._append_sequence(out, row, row_index)
        elif isinstance(row, dict):
            self._append_mapping(out, row, row_index)
        else:
            raise InvalidRow(
                f"row {row_index} must be a list of {self.size} numbers or an object of "
                f"feature name to number, got {type(row).__name__}",
                row=row_index,
            )

    def _append_sequence(self, out: array, row: Sequence[Any], row_index: int) -> None:
        if len(row) == self.size and _NUMBER_TYPES.issuperset(map(type, row)):
            try:
                if math.isfinite(sum(row)):
                    out.extend(row)
                    return
            except OverflowError:
                pass
        self._append_sequence_checked(out, row, row_index)

    def _append_sequence_checked(self, out: array, row: Sequence[Any], row_index: int) -> None:
        if len(row) != self.size:
            raise InvalidFeatureCount(
                f"row {row_index} has {len(row)} values, the model takes {self.size} "
                "in the order of the model's feature_names ({\"action\": \"describe\"} lists them)",
                row=row_index, expected=self.size, received=len(row),
            )
        if not _NUMBER_TYPES.issuperset(map(type, row)):
            for position, value in enumerate(row):
                _check_number(value, row_index, self.feature_names[position])
        start = len(out)
        try:
            out.extend(row)
        except OverflowError:
            del out[start:]
            for position, value in enumerate(row):
                _check_finite(value, row_index, self.feature_names[position])
        self._check_finite_tail(out, start, row_index)

    def _append_mapping(self, out: array, row: Mapping[str, Any], row_index: int) -> None:
        if len(row) == self.size:
            first = self._lookup.get(next(iter(row)))
            if first is not None:
                try:
                    values = self._getters[first[1]](row)
                except KeyError:
                    pass  # not all in one scheme: the checks below say what is wrong
                else:
                    self._append_sequence(out, values, row_index)
                    return
        unknown = [key for key in row if key not in self._lookup]
        if unknown:
            raise UnknownFeature(
                f"row {row_index} has unknown feature name(s) {_preview(unknown)}; names are "
                "scikit-learn's ('mean radius') or the UCI file's ('radius_mean')",
                row=row_index, unknown=unknown[:50],
            )
        values: list[Any] = [None] * self.size
        schemes = set()
        for key, value in row.items():
            index, scheme = self._lookup[key]
            if values[index] is not None:
                first = next(k for k in row if self._lookup[k][0] == index and k != key)
                raise DuplicateFeature(
                    f"row {row_index} gives feature {self.feature_names[index]!r} twice, as "
                    f"{first!r} and {key!r}",
                    row=row_index, names=[first, key],
                )
            schemes.add(scheme)
            values[index] = value
        if len(schemes) > 1:
            raise MixedFeatureNames(
                f"row {row_index} mixes scikit-learn and UCI feature names; use one scheme per row",
                row=row_index,
            )
        if len(row) != self.size:
            scheme = schemes.pop() if schemes else SKLEARN
            names = self.names_in(scheme)
            missing = [names[i] for i, value in enumerate(values) if value is None]
            raise MissingFeature(
                f"row {row_index} is missing {len(missing)} feature(s): {_preview(missing)}",
                row=row_index, missing=missing,
            )
        self._append_sequence(out, values, row_index)

    def _check_finite_tail(self, out: array, start: int, row_index: int) -> None:
        # One C-level sum is finite only when every value is; scan only when it is not.
        if math.isfinite(sum(out[start:])):
            return
        for offset in range(len(out) - start):
            value = out[start + offset]
            if not math.isfinite(value):
                del out[start:]
                _check_finite(value, row_index, self.feature_names[offset])


def _check_number(value: Any, row_index: int, feature: str) -> None:
    if type(value) not in _NUMBER_TYPES:
        raise NotANumber(
            f"row {row_index} feature {feature!r} must be a JSON number, got "
            f"{type(value).__name__} {_short(value)}",
            row=row_index, feature=feature,
        )


def _check_finite(value: Any, row_index: int, feature: str) -> None:
    try:
        finite = math.isfinite(value)
    except OverflowError:
        finite = False
    if not finite:
        raise NonFiniteValue(
            f"row {row_index} feature {feature!r} must be a finite number, got {_short(value)}",
            row=row_index, feature=feature,
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
