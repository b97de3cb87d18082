"""What a function's answer must look like before the tool uses any of it.

An endpoint may answer anything. Every shape the tool relies on (the predictions, the describe
answer, a function error's payload) is checked here; anything else is an AnswerError with one
line that says what came and what was expected, counted against that invocation. Text taken
from an answer is clipped (limits.clip) before it goes anywhere.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from .limits import clip, echo, kind

SERVED_TEXT = ("model_version", "model_sha256", "engine", "machine")
MAX_LIBRARIES = 64  # entries of a describe answer's library_versions
MAX_CPUS = 1024  # a describe answer's cpus (Lambda gives at most 6)


class AnswerError(ValueError):
    """The answer breaks the contract; its message is the one line to show."""


class Refusal(Exception):
    """The function refused the request in its documented `{"error": …}` shape."""


@dataclass(frozen=True)
class Predictions:
    labels: list[Any]
    numbers: list[float]  # every probability, margin, value or score, in answer order


def load_json(body: bytes, what: str = "the answer") -> Any:
    try:
        return json.loads(body)
    except RecursionError:
        raise AnswerError(f"{what} is nested too deeply to read") from None
    except ValueError:  # not UTF-8 or not JSON
        raise AnswerError(f"{what} is not JSON: {clip(repr(body), 80)}") from None


def function_error(header: str, body: bytes) -> tuple[str, bool]:
    """The line for an X-Amz-Function-Error answer, and whether it says the function timed out.
    Lambda's payload is `{"errorType", "errorMessage"}`; anything else is shown as it came."""
    try:
        document = load_json(body) if body else None
    except AnswerError:
        document = None
    if isinstance(document, dict):
        error_type = _text(document.get("errorType", ""))
        message = _text(document.get("errorMessage", ""))
    else:
        error_type, message = "", clip(body.decode("utf-8", "replace"))
    line = " ".join(part for part in (error_type, message) if part)
    return clip(f"{clip(header, 40)}: {line}"), "timed out" in message


def predictions(body: bytes) -> Predictions:
    """The answer to a prediction request; Refusal for the function's own error answer."""
    document = load_json(body)
    if isinstance(document, dict) and "statusCode" in document and "body" in document:
        inner = document["body"]
        if not isinstance(inner, str):
            raise AnswerError(f"the answer's body is {kind(inner)}, expected a JSON string")
        document = load_json(inner.encode("utf-8", "replace"), "the answer's body")
    if not isinstance(document, dict):
        raise AnswerError(f"the answer is {kind(document)}, expected a JSON object")
    if "error" in document:
        raise Refusal(clip(_dumps(document["error"])))
    rows = document.get("predictions")
    if not isinstance(rows, list):
        raise AnswerError(f"the answer's predictions is {kind(rows)}, expected a list")
    labels, numbers = [], []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise AnswerError(f"predictions[{index}] is {kind(row)}, expected an object")
        label = row.get("label")
        if label is not None and (isinstance(label, bool) or not isinstance(label, (str, int))):
            raise AnswerError(f"predictions[{index}].label is {kind(label)}, expected text or "
                              "a number")
        labels.append(label)
        probabilities = row.get("probabilities", {})
        if not isinstance(probabilities, dict):
            raise AnswerError(f"predictions[{index}].probabilities is {kind(probabilities)}, "
                              "expected an object of numbers")
        for name, value in probabilities.items():
            where = f"predictions[{index}].probabilities[{clip(name, 40)!r}]"
            numbers.append(_finite(value, where))
        for key in ("margin", "value", "score"):
            if key in row:
                numbers.append(_finite(row[key], f"predictions[{index}].{key}"))
        numbers += _many(row, index)
    return Predictions(labels, numbers)


def served(document: Any) -> dict[str, Any]:
    """What a describe answer says the function serves: text fields and library versions,
    type-checked and clipped."""
    if not isinstance(document, dict):
        raise AnswerError(f"the describe answer is {kind(document)}, expected a JSON object")
    result: dict[str, Any] = {}
    for key in SERVED_TEXT:
        value = document.get(key)
        if value is not None and not isinstance(value, str):
            raise AnswerError(f"the describe answer's {key} is {kind(value)}, expected text")
        result[key] = clip(value) if value is not None else None
    versions = document.get("library_versions")
    if versions is not None:
        if not isinstance(versions, dict) or not all(isinstance(v, str)
                                                     for v in versions.values()):
            raise AnswerError("the describe answer's library_versions is "
                              f"{kind(versions)}, expected an object of version texts")
        if len(versions) > MAX_LIBRARIES:
            raise AnswerError(f"the describe answer names {len(versions):,} libraries, at most "
                              f"{MAX_LIBRARIES} expected")
        versions = {clip(name): clip(version) for name, version in versions.items()}
    result["library_versions"] = versions
    cpus = document.get("cpus")
    if cpus is not None and not (isinstance(cpus, int) and not isinstance(cpus, bool)
                                 and 1 <= cpus <= MAX_CPUS):
        said = clip(str(cpus)) if type(cpus) is int else kind(cpus)
        raise AnswerError(f"the describe answer's cpus is {said}, expected a whole number "
                          f"from 1 to {MAX_CPUS}")
    result["cpus"] = cpus
    return result


def _many(row: dict[str, Any], index: int) -> list[float]:
    """A quantile answer's {alpha: value} and a multi-target answer's [values], in order."""
    quantiles, values = row.get("quantiles", {}), row.get("values", [])
    if not isinstance(quantiles, dict) or not isinstance(values, list):
        raise AnswerError(f"predictions[{index}] has quantiles {kind(quantiles)} and values "
                          f"{kind(values)}, expected an object and a list of numbers")
    return ([_finite(v, f"predictions[{index}].quantiles[{clip(k, 40)!r}]")
             for k, v in quantiles.items()]
            + [_finite(v, f"predictions[{index}].values[{i}]") for i, v in enumerate(values)])


def _finite(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AnswerError(f"{where} is {kind(value)}, expected a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise AnswerError(f"{where} is {number}, expected a finite number")
    return number


def _text(value: Any) -> str:
    return clip(value) if isinstance(value, str) else str(echo(value))


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value)
    except (ValueError, RecursionError):
        return str(echo(value))
