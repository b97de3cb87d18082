"""The C batch reader's numbers are Python's float() of the same text, bit for bit.

Full-precision values (what `json.dumps` writes: up to 17 significant digits) take the
Eisel-Lemire path, short ones Clinger's, the rest strtod; each is checked against Python
on the inputs that are hard for number parsers: exact halfway points between two doubles,
long mantissas, subnormals, the edges of the double range, leading zeros.
"""

from __future__ import annotations

import json
import math
import random
import struct
import subprocess
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpers import (
    AARCH64_CC,
    APP_DIR,
    QEMU,
    engine_env,
    import_handler_module,
    needs_aarch64_tools,
)

WIDTH = 30  # the demo model's features: a row is 30 numbers
MIN_BODY_BYTES = 4096


@pytest.fixture(scope="module")
def app_module() -> ModuleType:
    return import_handler_module(engine_env("compiled"), "app_number_reader")


def bits(value: float) -> bytes:
    return struct.pack("<d", value)


def read_with_c(module: ModuleType, texts: list[str]) -> list[float] | None:
    """The texts as rows of a batch body through the C reader; None when it declines."""
    padded = texts + ["0"] * (-len(texts) % WIDTH)
    rows = [padded[i:i + WIDTH] for i in range(0, len(padded), WIDTH)]
    body = '{"instances": [' + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]}"
    body += " " * max(0, MIN_BODY_BYTES - len(body))
    parsed = module.CODEC.parse_instances(body.encode("ascii"), WIDTH, len(rows))
    return None if parsed is None else list(parsed[0])[:len(texts)]


def assert_bit_exact(module: ModuleType, texts: list[str]) -> None:
    got = read_with_c(module, texts)
    assert got is not None, f"the C reader declined finite numbers: {texts}"
    for text, value in zip(texts, got, strict=True):
        assert bits(value) == bits(float(text)), f"{text}: C {value!r}, Python {float(text)!r}"


def halfway_after(value: float) -> str:
    """The exact decimal expansion of the midpoint between `value` and the next double up."""
    midpoint = (Fraction(value) + Fraction(math.nextafter(value, math.inf))) / 2
    twos = midpoint.denominator.bit_length() - 1  # the denominator is a power of two
    return f"{midpoint.numerator * 5 ** twos}e-{twos}"


HARD_NUMBERS = [
    # long mantissas and many digits (more than 19 significant: strtod)
    "3.14159265358979323846264338327950288419716939937510",
    "0.1000000000000000055511151231257827021181583404541015625",  # exactly the double 0.1
    "0.10000000000000000555111512312578270211815834045410156250000000001",
    "9007199254740993", "9007199254740992.5", "18446744073709551615", "18446744073709551616",
    "123456789012345678901234567890e-20", "1" + "0" * 300, "0." + "9" * 100,
    # halfway cases: ties to even at 2^53 + 1, and the classic ones
    "9007199254740993.0", "9007199254740995",
    "2.00000000000000011102230246251565404236316680908203125",
    "1.00000000000000011102230246251565404236316680908203125",
    "1.000000000000000111022302462515654042363166809082031251",
    # subnormals and the bottom of the range
    "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
    "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308",
    "1e-320", "5e-324", "3e-324", "1e-400", "-1e-400", "0e999",
    # the top of the range
    "1.7976931348623157e308", "1.7976931348623158e308", "1e308", "179769313486231570e291",
    # leading zeros after the point, exponents with signs and leading zeros
    "0.000000000000000000000000000000123456789012345678", "0.00001", "1e-05", "1E+05",
    "1e0005", "-0", "-0.0", "0.0e-5",
    # full precision, as json.dumps writes the data set's values times N(1, 0.01)
    "17.990123456789012", "0.11840000000000001", "2019.0000000000002", "1001.0", "0.3001",
]


@pytest.mark.parametrize("text", HARD_NUMBERS)
def test_hard_numbers_read_as_python_reads_them(app_module: ModuleType, text: str) -> None:
    assert_bit_exact(app_module, [text])


def test_halfway_points_round_to_even_as_python_does(app_module: ModuleType) -> None:
    starts = [1.0, 0.1, 17.99, 1e22, 1e23, 2.0 ** 53, 5e-324, 2.2250738585072014e-308,
              1.7976931348623155e308, 123456.789, 1e-5, 3.0e10]
    assert_bit_exact(app_module, [halfway_after(v) for v in starts])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=60))
@example([5e-324, -2.2250738585072014e-308, 1.7976931348623157e308, 0.1 + 0.2, -0.0])
def test_full_precision_floats_read_bit_exact(app_module: ModuleType,
                                              values: list[float]) -> None:
    texts = [json.dumps(v) for v in values]
    got = read_with_c(app_module, texts)
    assert got is not None and [bits(v) for v in got] == [bits(v) for v in values]


decimal_text = st.builds(
    lambda sign, whole, fraction, exponent: f"{sign}{whole}{fraction}{exponent}",
    st.sampled_from(["", "-"]),
    st.one_of(st.just("0"), st.from_regex(r"[1-9][0-9]{0,25}", fullmatch=True)),
    st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,40}", fullmatch=True)),
    st.one_of(st.just(""), st.integers(-360, 330).map(lambda e: f"e{e}")),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(decimal_text, min_size=1, max_size=30))
def test_any_decimal_text_reads_as_python_or_is_declined_when_infinite(
        app_module: ModuleType, texts: list[str]) -> None:
    got = read_with_c(app_module, texts)
    if got is None:
        assert not all(math.isfinite(float(t)) for t in texts)
    else:
        assert [bits(v) for v in got] == [bits(float(t)) for t in texts]


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=5e-324, max_value=1.7976931348623155e308), st.integers(0, 30))
def test_just_above_and_below_halfway_points(app_module: ModuleType, value: float,
                                             zeros: int) -> None:
    midpoint = halfway_after(value)
    digits, exponent = midpoint.split("e")
    above = f"{digits}{'0' * zeros}1e{int(exponent) - zeros - 1}"
    below = f"{int(digits) - 1}{'9' * zeros}e{int(exponent) - zeros}"
    assert_bit_exact(app_module, [midpoint, above, below])


@needs_aarch64_tools
def test_arm64_build_of_the_reader_reads_as_python_under_qemu(tmp_path: Path) -> None:
    native = APP_DIR / "native"
    binary = tmp_path / "read_numbers"
    subprocess.run([AARCH64_CC, "-O2", "-std=c11", "-ffp-contract=off", "-static",
                    f"-I{native}", str(native / "read_numbers.c"), "-o", str(binary), "-lm"],
                   check=True)
    rng = random.Random(7)
    texts = HARD_NUMBERS + [halfway_after(rng.uniform(0.5, 2.0) * 10.0 ** rng.randint(-300, 300))
                            for _ in range(500)]
    texts += [json.dumps(rng.gauss(1.0, 0.01) * 10.0 ** rng.randint(-20, 20)) for _ in range(5000)]
    printed = subprocess.run([QEMU, str(binary)], input="\n".join(texts) + "\n",
                             capture_output=True, text=True, check=True).stdout.split()
    expected = [struct.pack(">d", float(t)).hex() for t in texts]
    assert len(printed) == len(texts)
    assert [(t, p) for t, p, e in zip(texts, printed, expected, strict=True) if p != e] == []
