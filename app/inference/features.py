"""Feature names and rows: every accepted way to name a feature maps to the model's order here.

A row is a list of values in the model's order (always accepted), or an object keyed by
the model's feature names or by one scheme of aliases from the metadata (the demo's UCI
names: `radius_mean` for `mean radius`). A row uses one scheme; giving a feature twice or
mixing schemes is refused, never guessed. JSON `null` is a missing value (NaN to the
engines): the model takes each split's learned default direction, as XGBoost does.
"""

from __future__ import annotations

import math
import operator
from array import array
from collections.abc import Callable, Mapping, Sequence

from .errors import (
    DuplicateFeature,
    InvalidFeatureCount,
    InvalidRow,
    MissingFeature,
    MixedFeatureNames,
    NonFiniteValue,
    NotANumber,
    UnknownCategory,
    UnknownFeature,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MODEL_NAMES = "model"
_NUMBER_TYPES = frozenset((int, float))
_VALUE_TYPES = frozenset((int, float, type(None)))
_MAX_NAMES_IN_MESSAGE = 5
_NAN = float("nan")
_ABSENT = object()


def _preview(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:_MAX_NAMES_IN_MESSAGE])
    more = len(names) - _MAX_NAMES_IN_MESSAGE
    return shown + (f" and {more} more" if more > 0 else "")


class FeatureSchema:
    """Knows the model's feature order and turns user rows into one flat float64 buffer."""

    def __init__(self, feature_names: Sequence[str],
                 aliases: Mapping[str, Mapping[str, str]] | None = None,
                 category_codes: Mapping[int, Mapping[str, int]] | None = None) -> None:
        self.feature_names = tuple(feature_names)
        # categorical feature index -> category name -> code (empty: known by code only)
        self._category_codes = dict(category_codes or {})
        self.size = len(self.feature_names)
        self._schemes: dict[str, tuple[str, ...]] = {MODEL_NAMES: self.feature_names}
        for scheme, alias_of in (aliases or {}).items():
            self._schemes[scheme] = tuple(alias_of.get(name, name) for name in self.feature_names)
        self._lookup: dict[str, tuple[int, str]] = {}
        for scheme, names in reversed(self._schemes.items()):  # the model's own names win
            for index, name in enumerate(names):
                self._lookup[name] = (index, scheme)
        # A complete row in one scheme is read in one C-level step (the common case).
        self._getters = {scheme: _row_getter(names) for scheme, names in self._schemes.items()}
        examples = [f"{scheme} ({names[0]!r})" for scheme, names in self._schemes.items()
                    if names]
        self._naming_hint = "names are " + " or ".join(examples)

    def names_in(self, scheme: str) -> list[str]:
        return list(self._schemes[scheme])

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
        if len(row) == self.size:
            try:
                if _NUMBER_TYPES.issuperset(map(type, row)):
                    if math.isfinite(sum(row)):
                        out.extend(row)
                        return
                # Nulls among the numbers (missing values): still C-level steps, not a loop.
                elif _VALUE_TYPES.issuperset(map(type, row)) and math.isfinite(
                        sum([value for value in row if value is not None])):
                    out.extend([_NAN if value is None else value for value in row])
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
        given: frozenset[int] = frozenset()
        if self._category_codes and str in map(type, row):
            row = self._codes_of_names(row, row_index)
        if not _NUMBER_TYPES.issuperset(map(type, row)):
            for position, value in enumerate(row):
                _check_number(value, row_index, self.feature_names[position])
            given = frozenset(i for i, value in enumerate(row) if value is None)
            row = [_NAN if value is None else value for value in row]  # NaN: missing
        start = len(out)
        try:
            out.extend(row)
        except OverflowError:
            del out[start:]
            for position, value in enumerate(row):
                _check_finite(value, row_index, self.feature_names[position])
        self._check_finite_tail(out, start, row_index, given)

    def _codes_of_names(self, row: Sequence[Any], row_index: int) -> list[Any]:
        """The row with category names replaced by their codes; a string anywhere else is left
        for the number check to refuse."""
        out = list(row)
        for index, value in enumerate(out):
            codes = self._category_codes.get(index)
            if codes is None or type(value) is not str:
                continue
            code = codes.get(value)
            if code is None:
                feature = self.feature_names[index]
                known = (f"one of its {len(codes)} categories ({_preview(list(codes))})" if codes
                         else "its integer code (the model lists no category names)")
                raise UnknownCategory(
                    f"row {row_index} feature {feature!r}: {_short(value)} is not a category the "
                    f"model was trained on; send {known}, or null (missing)",
                    row=row_index, feature=feature, category=value)
            out[index] = code
        return out

    def _append_mapping(self, out: array, row: Mapping[str, Any], row_index: int) -> None:
        if len(row) == self.size:
            found = self._lookup.get(next(iter(row)))
            if found is not None:
                try:
                    in_order = self._getters[found[1]](row)
                except KeyError:
                    pass  # not all in one scheme: the checks below say what is wrong
                else:
                    self._append_sequence(out, in_order, row_index)
                    return
        unknown = [key for key in row if key not in self._lookup]
        if unknown:
            raise UnknownFeature(
                f"row {row_index} has unknown feature name(s) {_preview(unknown)}; "
                f"{self._naming_hint}",
                row=row_index, unknown=unknown[:50],
            )
        values: list[Any] = [_ABSENT] * self.size
        schemes = set()
        for key, value in row.items():
            index, scheme = self._lookup[key]
            if values[index] is not _ABSENT:
                earlier = next(k for k in row if self._lookup[k][0] == index and k != key)
                raise DuplicateFeature(
                    f"row {row_index} gives feature {self.feature_names[index]!r} twice, as "
                    f"{earlier!r} and {key!r}",
                    row=row_index, names=[earlier, key],
                )
            schemes.add(scheme)
            values[index] = value
        if len(schemes) > 1:
            raise MixedFeatureNames(
                f"row {row_index} mixes feature names of {' and '.join(sorted(schemes))}; "
                "use one scheme per row",
                row=row_index,
            )
        if len(row) != self.size:
            scheme = schemes.pop() if schemes else MODEL_NAMES
            names = self.names_in(scheme)
            missing = [names[i] for i, value in enumerate(values) if value is _ABSENT]
            raise MissingFeature(
                f"row {row_index} is missing {len(missing)} feature(s): {_preview(missing)}",
                row=row_index, missing=missing,
            )
        self._append_sequence(out, values, row_index)

    def _check_finite_tail(self, out: array, start: int, row_index: int,
                           missing: frozenset[int]) -> None:
        """Every value finite but the `missing` ones (JSON null): NaN or Infinity literals
        are refused, not taken as missing."""
        # One C-level sum is finite only when every value is; scan only when it is not.
        if math.isfinite(sum(out[start:])):
            return
        for offset in range(len(out) - start):
            value = out[start + offset]
            if not math.isfinite(value) and offset not in missing:
                del out[start:]
                _check_finite(value, row_index, self.feature_names[offset])


def _row_getter(names: Sequence[str]) -> Callable[[Mapping[str, Any]], Sequence[Any]]:
    """The values of `names` from a row object in one C-level step (a tuple, even for one)."""
    if len(names) == 1:
        name = names[0]
        return lambda row: (row[name],)
    return operator.itemgetter(*names)


def _check_number(value: Any, row_index: int, feature: str) -> None:
    if type(value) not in _VALUE_TYPES:
        raise NotANumber(
            f"row {row_index} feature {feature!r} must be a JSON number or null (missing), got "
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
