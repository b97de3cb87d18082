"""A model file's bytes, read within the caps, and its document decoded strictly.

The bytes reach XGBoost's parser only after they were decoded here: a size cap before
reading, a nesting and string-length pre-scan of JSON (XGBoost's JSON reader recurses per
level and overflows its stack on a nesting bomb; Python's would raise), then a strict
decode (UTF-8, no Infinity, integers within int64, nothing after the document). UBJSON
goes through the bounded decoder in ubjson_reader.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

from model_build.import_errors import ImportRefused, OverLimit
from model_build.import_limits import MAX_NESTING, MAX_STRING_BYTES, Limits, flag_of
from model_build.model_file import sniff_format
from model_build.ubjson_reader import decode_ubjson

_STRUCTURE = re.compile(rb'["\[\]{}]')
_INT64 = 1 << 63


def read_model_bytes(path: Path, limits: Limits) -> bytes:
    """The whole file, refused before reading when it is not a regular file or too large."""
    if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or a device would block or never end
        raise ImportRefused("model_not_served", f"model file {path} is not a regular file")
    with path.open("rb") as file:
        raw = file.read(limits.max_file_bytes + 1)
    if len(raw) > limits.max_file_bytes:
        raise OverLimit(f"the model file is over {limits.max_file_mb} MiB (raise the cap with "
                        f"{flag_of('max_file_mb')})")
    return raw


def scan_json(raw: bytes, max_nesting: int = MAX_NESTING,
              max_string: int = MAX_STRING_BYTES) -> None:
    """Refuse deep nesting and long strings without parsing: a few regex steps per string."""
    depth, pos = 0, 0
    while (match := _STRUCTURE.search(raw, pos)) is not None:
        char, pos = match.group(), match.end()
        if char == b'"':
            end = _string_end(raw, pos)
            if end - pos > max_string:
                raise OverLimit(f"the model file holds a string of {end - pos:,} bytes at byte "
                                f"{pos} (limit {max_string:,}, fixed): remove large attributes "
                                "with booster.set_attr(name=None) before saving")
            pos = end + 1
        elif char in b"[{":
            depth += 1
            if depth > max_nesting:
                raise OverLimit(f"the model file nests deeper than {max_nesting} levels (at "
                                f"byte {pos - 1}; limit fixed): not an XGBoost model")
        else:
            depth -= 1


def _string_end(raw: bytes, start: int) -> int:
    """The index of the quote that closes the string starting at `start`."""
    pos = start
    while True:
        end = raw.find(b'"', pos)
        if end < 0:
            raise ImportRefused("malformed_model_file",
                                f"the JSON model file has a string at byte {start - 1} that "
                                "never ends")
        escape = end
        while escape > start and raw[escape - 1] == 0x5C:  # a run of backslashes before it
            escape -= 1
        if (end - escape) % 2 == 0:
            return end
        pos = end + 1


def _refuse_constant(name: str) -> float:
    if name == "NaN":
        return float("nan")  # XGBoost reads NaN; the checks refuse it where it matters
    raise ValueError(f"{name} is not a number XGBoost reads")


def _bounded_int(text: str) -> int:
    value = int(text)
    if not -_INT64 <= value < _INT64:
        raise ValueError(f"integer {text[:30]} is outside int64")
    return value


def decode_json(raw: bytes | str) -> Any:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(text, parse_constant=_refuse_constant, parse_int=_bounded_int)
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeError too
        detail = " ".join(str(error).split())[:200]
        raise ImportRefused("malformed_model_file",
                            f"the JSON model file is not well-formed JSON ({detail})") from None


def decode_model(raw: bytes) -> tuple[str, dict[str, Any]]:
    """('json' | 'ubjson', the document) for bytes already within the size cap."""
    file_format = sniff_format(raw[:64])
    if file_format == "json":
        scan_json(raw)
        document = decode_json(raw)
    else:
        document = decode_ubjson(raw, MAX_NESTING, MAX_STRING_BYTES)
    if not isinstance(document, dict):
        raise ImportRefused("malformed_model_file", "the model document is not an object")
    return file_format, document
