"""A strict, bounded UBJSON decoder for XGBoost's model files, run before XGBoost's own.

XGBoost's reader trusts its input (a 200 KB nesting bomb overflows its stack; counts are
not checked against the bytes left), so a model file is decoded here first: iteratively
(no recursion, nesting capped), every count and length checked against the bytes that
remain, strings capped, nothing after the document. Typed numeric arrays (how XGBoost
writes a tree's columns) become numpy arrays; everything else plain Python values.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model_build.import_errors import ImportRefused, OverLimit

_INTS = {ord("i"): (1, True), ord("U"): (1, False), ord("I"): (2, True), ord("l"): (4, True),
         ord("L"): (8, True)}
_DTYPES = {ord("i"): ">i1", ord("U"): ">u1", ord("I"): ">i2", ord("l"): ">i4", ord("L"): ">i8",
           ord("d"): ">f4", ord("D"): ">f8"}
_OPEN = {ord("["): ord("]"), ord("{"): ord("}")}
_NOOP = ord("N")
_NOTHING = object()  # no value to deliver yet: a container was just opened


def malformed(message: str) -> ImportRefused:
    return ImportRefused("malformed_model_file", f"the UBJSON model file {message}")


@dataclass
class _Container:
    close: int
    count: int | None
    items: list[Any] | None = None
    members: dict[str, Any] | None = None
    key: str = ""
    size: int = field(default=0)

    def add(self, value: Any) -> None:
        if self.members is not None:
            self.members[self.key] = value  # a repeated key: the last wins, as in XGBoost
        else:
            assert self.items is not None
            self.items.append(value)
        self.size += 1

    def value(self) -> Any:
        return self.members if self.members is not None else self.items

    def full(self) -> bool:
        return self.count is not None and self.size >= self.count


class _Reader:
    def __init__(self, data: bytes, max_nesting: int, max_string: int) -> None:
        self.data, self.pos = data, 0
        self.max_nesting, self.max_string = max_nesting, max_string

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise malformed(f"ends early: {n} bytes wanted at byte {self.pos}, "
                            f"{len(self.data) - self.pos} left")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def marker(self) -> int:
        while True:
            byte = self.take(1)[0]
            if byte != _NOOP:
                return byte

    def integer(self, marker: int) -> int:
        if marker not in _INTS:
            raise malformed(f"has {chr(marker)!r} at byte {self.pos - 1} where a length "
                            "(an integer) belongs")
        size, signed = _INTS[marker]
        return int.from_bytes(self.take(size), "big", signed=signed)

    def length(self, what: str) -> int:
        at = self.pos
        n = self.integer(self.marker())
        if n < 0 or n > len(self.data) - self.pos:
            raise malformed(f"declares a {what} of {n} at byte {at}, with "
                            f"{len(self.data) - self.pos} bytes left")
        return n

    def string(self) -> str:
        n = self.length("string")
        if n > self.max_string:
            raise OverLimit(f"the model file holds a string of {n:,} bytes at byte {self.pos} "
                            f"(limit {self.max_string:,}, fixed): remove large attributes "
                            "with booster.set_attr(name=None) before saving")
        try:
            return self.take(n).decode("utf-8")
        except UnicodeDecodeError:
            raise malformed(f"has a string at byte {self.pos - n} that is not UTF-8") from None

    def scalar(self, marker: int) -> Any:
        if marker in _INTS:
            return self.integer(marker)
        if marker == ord("d"):
            return struct.unpack(">f", self.take(4))[0]
        if marker == ord("D"):
            return struct.unpack(">d", self.take(8))[0]
        if marker == ord("S"):
            return self.string()
        if marker == ord("C"):
            return self.take(1).decode("latin-1")
        simple = {ord("T"): True, ord("F"): False, ord("Z"): None}
        if marker in simple:
            return simple[marker]
        raise malformed(f"has an unknown or unsupported marker {bytes([marker])!r} at byte "
                        f"{self.pos - 1}")

    def open(self, marker: int, depth: int) -> _Container | np.ndarray:
        if depth > self.max_nesting:
            raise OverLimit(f"the model file nests deeper than {self.max_nesting} levels "
                            f"(at byte {self.pos - 1}; limit fixed): not an XGBoost model")
        is_object = marker == ord("{")
        typed = None
        if self.pos < len(self.data) and self.data[self.pos] == ord("$"):
            self.pos += 1
            typed = self.take(1)[0]
            if self.take(1) != b"#":
                raise malformed(f"has a typed container without a count at byte {self.pos - 1}")
            count: int | None = self.length("count")
        elif self.pos < len(self.data) and self.data[self.pos] == ord("#"):
            self.pos += 1
            count = self.length("count")
        else:
            count = None
        if typed is not None:
            if is_object or typed not in _DTYPES:
                raise malformed(f"has a typed container of {bytes([typed])!r} at byte "
                                f"{self.pos}: only numeric arrays are read")
            assert count is not None
            dtype = np.dtype(_DTYPES[typed])
            raw = self.take(count * dtype.itemsize)
            return np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="))
        if is_object:
            return _Container(_OPEN[marker], count, members={})
        return _Container(_OPEN[marker], count, items=[])

    def decode(self) -> Any:
        stack: list[_Container] = []
        marker = self.marker()
        while True:
            value: Any
            if marker in _OPEN:
                opened = self.open(marker, len(stack) + 1)
                if isinstance(opened, _Container):
                    stack.append(opened)
                    value = _NOTHING
                else:
                    value = opened
            else:
                value = self.scalar(marker)
            while True:  # deliver the value, close every container that is complete
                if value is not _NOTHING:
                    if not stack:
                        if self.pos != len(self.data):
                            raise malformed(f"goes on after the document ends, at byte "
                                            f"{self.pos}")
                        return value
                    stack[-1].add(value)
                    value = _NOTHING
                top = stack[-1]
                if top.full():
                    value = stack.pop().value()
                    continue
                marker = self.marker()
                if top.count is None and marker == top.close:
                    value = stack.pop().value()
                    continue
                if marker in (ord("]"), ord("}")):
                    raise malformed(f"closes a container it did not open at byte {self.pos - 1}")
                if top.members is not None:
                    self.pos -= 1
                    top.key = self.string()
                    marker = self.marker()
                break


def decode_ubjson(data: bytes, max_nesting: int, max_string: int) -> Any:
    """The document, or an ImportRefused saying where the bytes go wrong."""
    return _Reader(data, max_nesting, max_string).decode()
