"""An Open Inference Protocol (v2) inference request in, one [N, F] tensor of doubles out.

The request holds one input, any name, `datatype` FP32 or FP64, `shape` [N, F] with F the
model's features, and its values row-major: `data` flat or nested by row (a number, or null
or a NaN literal: a missing value), or as raw little-endian bytes after the JSON (Triton's
binary tensor extension: `Inference-Header-Content-Length`, `parameters.binary_data_size`;
NaN: missing).
Large flat `data` is read by the JSON codec's C reader, which hands back where the array lies so
only the rest of the request (a few hundred bytes) is parsed in Python.
"""

from __future__ import annotations

import math
import sys
from array import array

from ..errors import (
    BatchTooLarge,
    EmptyBatch,
    InvalidJson,
    InvalidTensor,
    NonFiniteValue,
    UnknownField,
    UnknownOutput,
    quoted,
)
from ..features import FeatureSchema
from ..json_codec import PYTHON_ONLY, JsonCodec
from ..requests import FAST_PATH_MIN_BYTES, Limits, read_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

DATATYPES = {"FP32": "f", "FP64": "d"}
REQUEST_KEYS = frozenset(("id", "parameters", "inputs", "outputs"))
INPUT_KEYS = frozenset(("name", "shape", "datatype", "parameters", "data"))
BINARY_HEADER = "inference-header-content-length"


class InferRequest:
    __slots__ = ("id", "n_rows", "outputs", "values")

    def __init__(self, request_id: str | None, values: array, n_rows: int,
                 outputs: list[str] | None) -> None:
        self.id = request_id
        self.values = values
        self.n_rows = n_rows
        self.outputs = outputs


def read_infer_request(body: bytes | str | None, headers: Mapping[str, str],
                       schema: FeatureSchema, limits: Limits, output_names: Sequence[str],
                       codec: JsonCodec = PYTHON_ONLY) -> InferRequest:
    if body is None or body == "":
        raise InvalidJson("the request body is empty; send an inference request")
    binary_length = headers.get(BINARY_HEADER)
    if binary_length is not None:
        return _binary_request(body, binary_length, schema, limits, output_names)
    raw = _utf8(body)
    if raw is not None and len(raw) >= FAST_PATH_MIN_BYTES:
        fast = codec.parse_tensor(raw, limits.max_batch_rows * schema.size)
        if fast is not None:
            values, start, end = fast
            request = read_json(raw[:start] + b"null" + raw[end:], schema, limits)
            return _checked(request, values, schema, limits, output_names)
    return _checked(read_json(body, schema, limits), None, schema, limits, output_names)


def _utf8(body: bytes | str) -> bytes | None:
    if isinstance(body, bytes):
        return body
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the Python path says what is wrong
        return None


def _binary_request(body: bytes | str, header_length: str, schema: FeatureSchema,
                    limits: Limits, output_names: Sequence[str]) -> InferRequest:
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    if not header_length.isdigit() or int(header_length) > len(raw):
        raise InvalidTensor(f"Inference-Header-Content-Length {quoted(header_length)} is not a "
                            f"byte count within the {len(raw)}-byte body")
    split = int(header_length)
    request = read_json(raw[:split], schema, limits)
    data = raw[split:]
    tensor = _one_input(request)
    size = (tensor.get("parameters") or {}).get("binary_data_size") \
        if isinstance(tensor.get("parameters"), dict) else None
    if size is None:
        raise InvalidTensor("the request has binary data but its input has no "
                            "parameters.binary_data_size")
    if size != len(data) or type(size) is not int:
        raise InvalidTensor(f"parameters.binary_data_size is {quoted(size)}; the binary data "
                            f"after the JSON is {len(data)} bytes")
    sent: array[float] = array(_datatype(tensor))
    if len(data) % sent.itemsize:
        raise InvalidTensor(f"{len(data)} bytes of binary data do not hold whole "
                            f"{tensor['datatype']} values")
    sent.frombytes(data)
    if sys.byteorder != "little":
        sent.byteswap()
    values = sent if sent.typecode == "d" else array("d", sent)
    if not math.isfinite(sum(values)) and (values.count(math.inf) or values.count(-math.inf)):
        raise NonFiniteValue("the binary tensor data holds an infinite value; NaN is a missing "
                             "value, infinities are refused")
    return _checked(request, values, schema, limits, output_names)


def _checked(request: Any, values: array | None, schema: FeatureSchema, limits: Limits,
             output_names: Sequence[str]) -> InferRequest:
    """The request's one input as rows: `values` when the data was already read."""
    tensor = _one_input(request)
    _datatype(tensor)
    n_rows = _rows_of(tensor.get("shape"), schema, limits)
    if values is None:
        values = _rows_from_json(tensor.get("data"), n_rows, schema)
    elif len(values) != n_rows * schema.size:
        raise InvalidTensor(f"the input's data holds {len(values)} values; its shape "
                            f"[{n_rows}, {schema.size}] needs {n_rows * schema.size}")
    request_id = request.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise InvalidTensor(f'"id" must be a string, got {type(request_id).__name__}')
    return InferRequest(request_id, values, n_rows, _outputs(request.get("outputs"),
                                                             output_names))


def _one_input(request: Any) -> dict[str, Any]:
    if not isinstance(request, dict):
        raise InvalidTensor(f"the inference request must be a JSON object, got "
                            f"{type(request).__name__}")
    extra = sorted(set(request) - REQUEST_KEYS)
    if extra:
        raise UnknownField(f"unexpected field(s) {', '.join(map(quoted, extra[:5]))} in the "
                           f"inference request; expected id, parameters, inputs, outputs",
                           fields=extra)
    inputs = request.get("inputs")
    if not isinstance(inputs, list) or len(inputs) != 1 or not isinstance(inputs[0], dict):
        shown = f"{len(inputs)} inputs" if isinstance(inputs, list) else quoted(inputs)
        raise InvalidTensor(f'"inputs" must hold exactly one tensor object, got {shown}')
    tensor: dict[str, Any] = inputs[0]
    extra = sorted(set(tensor) - INPUT_KEYS)
    if extra:
        raise UnknownField(f"unexpected field(s) {', '.join(map(quoted, extra[:5]))} in the "
                           "input; expected name, shape, datatype, parameters, data",
                           fields=extra)
    if not isinstance(tensor.get("name"), str):
        raise InvalidTensor('the input needs a "name" (any string; the metadata says input-0)')
    return tensor


def _datatype(tensor: dict[str, Any]) -> str:
    datatype = tensor.get("datatype")
    code = DATATYPES.get(datatype) if isinstance(datatype, str) else None
    if code is None:
        raise InvalidTensor(f"the input's datatype must be FP32 or FP64, got {quoted(datatype)}")
    return code


def _rows_of(shape: Any, schema: FeatureSchema, limits: Limits) -> int:
    if (not isinstance(shape, list) or len(shape) != 2
            or not all(type(n) is int for n in shape)):
        raise InvalidTensor(f"the input's shape must be [rows, {schema.size}], got "
                            f"{quoted(shape)}")
    n_rows, width = shape
    if width != schema.size:
        raise InvalidTensor(f"the input's shape is [{n_rows}, {width}]; the model takes "
                            f"{schema.size} features per row", expected=schema.size,
                            received=width)
    if n_rows < 1:
        raise EmptyBatch(f"the input's shape is [{n_rows}, {width}]; send at least one row")
    if n_rows > limits.max_batch_rows:
        raise BatchTooLarge(f"the input has {n_rows} rows; the limit is "
                            f"{limits.max_batch_rows} per request", rows=n_rows,
                            limit=limits.max_batch_rows)
    return n_rows


def _rows_from_json(data: Any, n_rows: int, schema: FeatureSchema) -> array:
    """Flat or nested `data`, row by row through the schema's checks (null: missing)."""
    if not isinstance(data, list):
        raise InvalidTensor(f'the input needs "data", a list of numbers, got '
                            f"{type(data).__name__}")
    width = schema.size
    values = array("d")
    if data and isinstance(data[0], list):
        if len(data) != n_rows:
            raise InvalidTensor(f"the input's data holds {len(data)} rows; its shape says "
                                f"{n_rows}")
        for index, row in enumerate(data):
            _append(values, row, index, schema)
        return values
    if len(data) != n_rows * width:
        raise InvalidTensor(f"the input's data holds {len(data)} values; its shape "
                            f"[{n_rows}, {width}] needs {n_rows * width}")
    for index in range(n_rows):
        _append(values, data[index * width:(index + 1) * width], index, schema)
    return values


def _append(values: array, row: Any, index: int, schema: FeatureSchema) -> None:
    """A NaN literal is a missing value here (tritonclient writes one for NaN in JSON data),
    as null is; the schema refuses it in our own JSON, and infinities in both."""
    try:
        schema.append_row(values, row, index)
    except NonFiniteValue:
        if not isinstance(row, list) or not any(v != v for v in row):
            raise
        schema.append_row(values, [None if v != v else v for v in row], index)


def _outputs(requested: Any, output_names: Sequence[str]) -> list[str] | None:
    """The names asked for, in order; None for every output."""
    if requested is None:
        return None
    if not isinstance(requested, list) or not all(
            isinstance(item, dict) and isinstance(item.get("name"), str) for item in requested):
        raise InvalidTensor('"outputs" must be a list of objects with a "name"')
    names = [item["name"] for item in requested]
    unknown = [name for name in names if name not in output_names]
    if unknown:
        raise UnknownOutput(f"unknown output(s) {', '.join(map(quoted, unknown[:5]))}; this "
                            f"model gives {', '.join(output_names)}", unknown=unknown)
    return names
