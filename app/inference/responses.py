"""Results and errors out, as JSON documents; one documented shape per output kind.

- binary classifier, probabilities: `{"label", "class_index", "probabilities": {both
  classes}}`, written with 9 decimals, p(class 1) rounded half up and p(class 0) its
  complement, so the two always sum to exactly 1. Large batches are written by the JSON
  codec's C writer when it is loaded (the same bytes as `_BinaryProbabilities.python_predictions`).
- binary classifier, raw margin (`binary:logitraw`): `{"label", "class_index", "margin"}`;
  0/1 labels (`binary:hinge`): `{"label", "class_index"}`.
- multiclass: `{"label", "class_index", "probabilities": {every class}}`, 9 decimals each;
  the label is the most probable class (the first one on a tie, as arg-max).
- regression: `{"value"}`; ranking: `{"score"}`: the model's float32 output, exactly.
- quantile regression: `{"quantiles": {"0.1": …, "0.5": …, "0.9": …}}`, one value per alpha
  in the model's (ascending) alpha order, the values ascending too, as XGBoost's prediction
  sorts them; multi-target regression: `{"values": [...]}`, one per target in the model's
  order (`describe` names them).

Where the request was the original sample's flat object, the metadata's `flat_result_field`
is added with the class code of the first row's label (the demo: `"result": "B"`).
How a document travels (bytes, proxy response) is the adapter's business, not this module's.
"""

from __future__ import annotations

import json
import math
from array import array

import artifact_contract as contract

from .errors import InternalError, ServiceError
from .json_codec import PYTHON_ONLY, JsonCodec
from .predictor import Predictor
from .requests import Shape

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SCALE = 1_000_000_000
C_ENCODER_MIN_ROWS = 8


def fixed9(p: float) -> int:
    """p in billionths, rounded half up and clamped to [0, 1]; a NaN is a broken invariant."""
    try:
        units = math.floor(p * 1e9 + 0.5)
    except (ValueError, OverflowError):  # NaN or infinite: as the C encoder refuses
        raise InternalError(f"a probability is not finite: {p!r}") from None
    return 0 if units < 0 else SCALE if units > SCALE else units


def number(value: float) -> str:
    """A model output as JSON: the shortest text that reads back to the same double."""
    if not math.isfinite(value):
        raise InternalError(f"the model gave a value that is not finite: {value!r}")
    return repr(value)


class _Rows:
    """Writes the predictions array for one output kind; the first row's class for `result`."""

    def __init__(self, predictor: Predictor) -> None:
        bundle = predictor.bundle
        self._names_json = [json.dumps(name) for name in bundle.class_names]
        self._width = bundle.num_outputs

    def predictions(self, outputs: array) -> str:
        """The array as it is written fastest: the Python writer unless overridden."""
        return self.python_predictions(outputs)

    def python_predictions(self, outputs: array) -> str:
        raise NotImplementedError

    def first_class(self, outputs: array) -> int | None:
        """The first row's class index, or None when the model does not classify."""
        return None


class _Binary(_Rows):
    """A binary classifier: class 1 when the row's output is at or above the threshold."""

    def __init__(self, predictor: Predictor) -> None:
        super().__init__(predictor)
        self._threshold = float(predictor.bundle.threshold or 0.0)

    def first_class(self, outputs: array) -> int | None:
        return int(outputs[0] >= self._threshold)


class _BinaryProbabilities(_Binary):
    def __init__(self, predictor: Predictor, codec: JsonCodec) -> None:
        super().__init__(predictor)
        self._codec = codec
        negative, positive = self._names_json
        self._c_args = (negative.encode(), positive.encode())
        # Row templates, filled with %-formatting: the fastest way to write a row in Python.
        probabilities = f'"probabilities":{{{negative}:%d.%09d,{positive}:%d.%09d}}}}'
        self._rows = (f'{{"label":{negative},"class_index":0,{probabilities}',
                      f'{{"label":{positive},"class_index":1,{probabilities}')

    def predictions(self, outputs: array) -> str:
        if len(outputs) >= C_ENCODER_MIN_ROWS:
            text = self._codec.encode_binary_predictions(outputs, self._threshold,
                                                         *self._c_args)
            if text is not None:
                return text
        return self.python_predictions(outputs)

    def python_predictions(self, probabilities: array) -> str:
        threshold, rows, parts = self._threshold, self._rows, []
        for p in probabilities:
            units = fixed9(p)
            rest = SCALE - units
            parts.append(rows[p >= threshold] % (rest // SCALE, rest % SCALE,
                                                  units // SCALE, units % SCALE))
        return "[" + ",".join(parts) + "]"


class _BinaryDecisions(_Binary):
    """Margins (class 1 above the threshold, 0) or XGBoost's own 0/1 labels (hinge)."""

    def __init__(self, predictor: Predictor) -> None:
        super().__init__(predictor)
        self._with_margin = predictor.bundle.output_values == contract.MARGIN

    def python_predictions(self, outputs: array) -> str:
        parts = []
        for value in outputs:
            index = int(value >= self._threshold)
            margin = ',"margin":' + number(value) if self._with_margin else ""
            parts.append(f'{{"label":{self._names_json[index]},"class_index":{index}{margin}}}')
        return "[" + ",".join(parts) + "]"


class _Multiclass(_Rows):
    def python_predictions(self, outputs: array) -> str:
        width, names, parts = self._width, self._names_json, []
        for start in range(0, len(outputs), width):
            row = outputs[start:start + width]
            index = _arg_max(row)
            shown = ",".join(f"{name}:{units // SCALE}.{units % SCALE:09d}"
                             for name, units in zip(names, map(fixed9, row), strict=True))
            parts.append(f'{{"label":{names[index]},"class_index":{index},'
                         f'"probabilities":{{{shown}}}}}')
        return "[" + ",".join(parts) + "]"

    def first_class(self, outputs: array) -> int | None:
        return _arg_max(outputs[:self._width])


class _Values(_Rows):
    """Regression values or ranking scores: one number per row under one key."""

    def __init__(self, predictor: Predictor) -> None:
        super().__init__(predictor)
        self._key = "score" if predictor.bundle.output_kind == contract.RANKING else "value"

    def python_predictions(self, outputs: array) -> str:
        key = f'{{"{self._key}":'
        return "[" + ",".join(key + number(value) + "}" for value in outputs) + "]"


class _Quantiles(_Rows):
    """One value per quantile alpha, under the alpha's text as the model records it."""

    def __init__(self, predictor: Predictor) -> None:
        super().__init__(predictor)
        self._keys = [json.dumps(name) + ":" for name in predictor.bundle.output_names]

    def python_predictions(self, outputs: array) -> str:
        width, keys, parts = self._width, self._keys, []
        for start in range(0, len(outputs), width):
            shown = ",".join(key + number(value) for key, value in
                             zip(keys, outputs[start:start + width], strict=True))
            parts.append('{"quantiles":{' + shown + "}}")
        return "[" + ",".join(parts) + "]"


class _TargetValues(_Rows):
    """One value per target of a multi-target regression, in the model's target order."""

    def python_predictions(self, outputs: array) -> str:
        width = self._width
        return "[" + ",".join('{"values":[' + ",".join(map(number, outputs[start:start + width]))
                              + "]}" for start in range(0, len(outputs), width)) + "]"


def _arg_max(row: array) -> int:
    best = 0
    for index in range(1, len(row)):
        if row[index] > row[best]:
            best = index
    return best


def _rows_for(predictor: Predictor, codec: JsonCodec) -> _Rows:
    bundle = predictor.bundle
    if bundle.output_kind == contract.BINARY:
        if bundle.output_values == contract.PROBABILITY:
            return _BinaryProbabilities(predictor, codec)
        return _BinaryDecisions(predictor)
    if bundle.output_kind == contract.MULTICLASS:
        return _Multiclass(predictor)
    if bundle.output_kind == contract.QUANTILE:
        return _Quantiles(predictor)
    if bundle.output_kind == contract.MULTI_TARGET:
        return _TargetValues(predictor)
    return _Values(predictor)


class PredictionEncoder:
    """The prediction document for the model's output kind, chosen once at init."""

    def __init__(self, predictor: Predictor, codec: JsonCodec = PYTHON_ONLY) -> None:
        bundle = predictor.bundle
        self._rows = _rows_for(predictor, codec)
        self._tail = (f',"model_version":{json.dumps(bundle.model_version)},'
                      f'"engine":{json.dumps(predictor.engine.name)}')
        self._class_names = bundle.class_names
        self._codes = bundle.class_codes
        self._flat_field = bundle.flat_result_field

    def document(self, shape: Shape, outputs: array) -> str:
        text = '{"predictions":' + self._rows.predictions(outputs) + self._tail
        if shape is Shape.FLAT and self._flat_field is not None:
            # Kept for callers of the original sample, which answered {"result": "M" | "B"}.
            text += "," + json.dumps(self._flat_field) + ":" + self._flat_value(outputs)
        return text + "}"

    def predictions(self, outputs: array) -> str:
        return self._rows.predictions(outputs)

    def python_predictions(self, outputs: array) -> str:
        """The same bytes as `predictions`, never through the codec's writer (for tests)."""
        return self._rows.python_predictions(outputs)

    def _flat_value(self, outputs: array) -> str:
        index = self._rows.first_class(outputs)
        if index is None:
            return number(outputs[0])
        label = self._class_names[index]
        return json.dumps(self._codes.get(label, label))


def describe_document(predictor: Predictor) -> str:
    return json.dumps(predictor.describe(), separators=(",", ":"))


def error_document(error: ServiceError) -> str:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details:
        body["details"] = error.details
    return json.dumps({"error": body}, separators=(",", ":"))
