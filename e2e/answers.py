"""Are two answers to the same event the same answer?

Equal means equal as JSON, bit for bit in every number. The describe answer is the one
exception: it names the machine the code ran on and the Python version, which belong to the
image, and the CPUs it may use (`cpus`, and the compiled engine's `threads`), which belong to
the container (the local runtime pins an environment to Lambda's CPUs for its memory; a
container gets the engine's); the machine must be the image's own (its architecture), and
everything else must be equal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    equal: bool
    note: str = ""


def compare(image_answer: bytes, local_answer: bytes, machine: str) -> Verdict:
    try:
        image, local = json.loads(image_answer), json.loads(local_answer)
    except ValueError:
        return Verdict(image_answer == local_answer, "" if image_answer == local_answer
                       else f"{image_answer[:120]!r} vs {local_answer[:120]!r}")
    note = ""
    if _is_describe(image) and _is_describe(local):
        if image["machine"] != machine:
            return Verdict(False, f"ran on {image['machine']}, not {machine}")
        versions = image["library_versions"]
        note = (f"ran on {machine}, Python {versions.get('python')}, "
                f"{image.get('cpus')} CPUs")
        image = {**image, "machine": local["machine"], "cpus": local.get("cpus"),
                 "library_versions": {**versions, **{
                     key: local["library_versions"].get(key) for key in ("python", "threads")
                     if key in versions}}}
    if image == local:
        return Verdict(True, note)
    return Verdict(False, _first_difference(image, local))


def _is_describe(answer: Any) -> bool:
    return isinstance(answer, dict) and "machine" in answer and "library_versions" in answer


def _first_difference(image: Any, local: Any, path: str = "") -> str:
    if isinstance(image, dict) and isinstance(local, dict):
        for key in sorted(set(image) | set(local)):
            if image.get(key) != local.get(key):
                return _first_difference(image.get(key), local.get(key), f"{path}.{key}")
    if isinstance(image, list) and isinstance(local, list) and len(image) == len(local):
        for index, (a, b) in enumerate(zip(image, local, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{path}[{index}]")
    return f"{path or 'answer'}: image {json.dumps(image)[:80]} vs local {json.dumps(local)[:80]}"


def table(rows: list[str], columns: list[str], cells: dict[tuple[str, str], Verdict]) -> str:
    width = max(len(row) for row in rows) + 2
    lines = [f"{'event':<{width}}" + "".join(f"{column:<18}" for column in columns)]
    for row in rows:
        marks = [("equal" if cells[row, c].equal else "DIFFERENT") for c in columns]
        lines.append(f"{row:<{width}}" + "".join(f"{mark:<18}" for mark in marks))
    notes = [f"  {row} [{c}]: {cells[row, c].note}" for row in rows for c in columns
             if cells[row, c].note]
    return "\n".join(lines + (["notes:", *notes] if notes else []))
