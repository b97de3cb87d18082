"""The model's outputs as Open Inference Protocol (v2) output tensors, one set per output kind.

| output kind | tensors (N rows, K classes) |
| --- | --- |
| binary, probability | `probabilities` FP64 [N, 2], `label` BYTES [N], `class_index` INT64 [N] |
| binary, margin | `margin` FP64 [N], `label`, `class_index` |
| binary, 0/1 (hinge) | `label`, `class_index` |
| multiclass | `probabilities` FP64 [N, K], `label`, `class_index` |
| regression / ranking | `value` / `score` FP64 [N] |
| quantile (Q alphas) | `quantiles` FP64 [N, Q], columns in the model's alpha order |
| multi-target (T targets) | `values` FP64 [N, T], columns in the model's target order |

Numbers are written as our own JSON writes them (responses.py): probabilities with 9
decimals (a binary pair sums to exactly 1), margins and values as the shortest exact text.
"""

from __future__ import annotations

import json
from array import array

import artifact_contract as contract

from ..json_codec import PYTHON_ONLY, JsonCodec
from ..predictor import Predictor
from ..responses import C_ENCODER_MIN_ROWS, SCALE, fixed9, number

# The binary tensors the codec's C writer can write (tensor_io.c's column numbers).
COLUMNS = {"probabilities": 0, "label": 1, "class_index": 2}
# p(class 0) and p(class 1) of one row, 9 decimals each: %-formatting is the fastest in Python.
PAIR = "%d.%09d,%d.%09d"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    Writer = Callable[[array, list[int]], str]


class V2Outputs:
    """Each output's name, datatype and width (None: one value per row), and its writer."""

    def __init__(self, predictor: Predictor, codec: JsonCodec = PYTHON_ONLY) -> None:
        bundle = predictor.bundle
        self._names_json = [json.dumps(name) for name in bundle.class_names]
        self._threshold = float(bundle.threshold or 0.0)
        self._width = bundle.num_outputs
        self._kind = bundle.output_kind
        self._encode_column = codec.encode_binary_column
        self._c_names = tuple(name.encode() for name in self._names_json[:2])
        binary = bundle.output_kind == contract.BINARY
        self._c_columns = binary and bundle.output_values == contract.PROBABILITY
        specs: list[tuple[str, str, int | None, Writer]] = []
        if self._c_columns:
            specs.append(("probabilities", "FP64", 2, self._binary_probabilities))
        elif binary and bundle.output_values == contract.MARGIN:
            specs.append(("margin", "FP64", None, self._numbers))
        elif bundle.output_kind == contract.MULTICLASS:
            specs.append(("probabilities", "FP64", self._width, self._probabilities))
        if bundle.is_classifier:
            specs.append(("label", "BYTES", None, self._labels))
            specs.append(("class_index", "INT64", None, self._class_indexes))
        elif bundle.output_kind in (contract.QUANTILE, contract.MULTI_TARGET):
            name = "quantiles" if bundle.output_kind == contract.QUANTILE else "values"
            specs.append((name, "FP64", self._width, self._numbers))
        else:
            name = "score" if bundle.output_kind == contract.RANKING else "value"
            specs.append((name, "FP64", None, self._numbers))
        self._specs = {name: (datatype, width, writer) for name, datatype, width, writer in specs}
        self.names = [name for name, *_ in specs]

    def metadata(self) -> list[dict[str, object]]:
        return [{"name": name, "datatype": datatype, "shape": [-1] if width is None
                 else [-1, width]} for name, (datatype, width, _) in self._specs.items()]

    def write(self, outputs: array, n_rows: int, selected: list[str] | None) -> str:
        """The `outputs` array of the answer, for the names asked for (all by default)."""
        names = selected if selected is not None else self.names
        in_c = self._c_columns and n_rows >= C_ENCODER_MIN_ROWS
        classes = self._classes(outputs) if self._names_json and not in_c else []
        parts = []
        for name in names:
            datatype, width, writer = self._specs[name]
            data = self._in_c(outputs, name) if in_c else None
            if data is None:
                classes = classes or (self._classes(outputs) if self._names_json else [])
                data = writer(outputs, classes)
            shape = f"[{n_rows}]" if width is None else f"[{n_rows},{width}]"
            parts.append(f'{{"name":"{name}","datatype":"{datatype}","shape":{shape},'
                         f'"data":[{data}]}}')
        return "[" + ",".join(parts) + "]"

    def _in_c(self, outputs: array, name: str) -> str | None:
        """A binary classifier's tensor from the codec's C writer; None: not handled."""
        return self._encode_column(outputs, self._threshold, COLUMNS[name], *self._c_names)

    def python_write(self, outputs: array, n_rows: int) -> str:
        """Every output through the Python writers only (for tests: the same bytes)."""
        c_columns, self._c_columns = self._c_columns, False
        try:
            return self.write(outputs, n_rows, None)
        finally:
            self._c_columns = c_columns

    def _classes(self, outputs: array) -> list[int]:
        if self._kind == contract.BINARY:
            threshold = self._threshold
            return [int(value >= threshold) for value in outputs]
        width = self._width
        classes = []
        for start in range(0, len(outputs), width):
            row = outputs[start:start + width]
            classes.append(row.index(max(row)))  # the first on a tie, as arg-max
        return classes

    @staticmethod
    def _binary_probabilities(outputs: array, classes: list[int]) -> str:
        parts = []
        for p in outputs:
            units = fixed9(p)
            rest = SCALE - units
            parts.append(PAIR % (rest // SCALE, rest % SCALE, units // SCALE, units % SCALE))
        return ",".join(parts)

    @staticmethod
    def _probabilities(outputs: array, classes: list[int]) -> str:
        return ",".join(f"{units // SCALE}.{units % SCALE:09d}" for units in map(fixed9, outputs))

    @staticmethod
    def _numbers(outputs: array, classes: list[int]) -> str:
        return ",".join(map(number, outputs))

    def _labels(self, outputs: array, classes: list[int]) -> str:
        names = self._names_json
        return ",".join([names[index] for index in classes])

    @staticmethod
    def _class_indexes(outputs: array, classes: list[int]) -> str:
        return ",".join(map(str, classes))
