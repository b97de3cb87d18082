"""The importer's caps: what a model may hold before it is refused as over a limit.

Each cap bounds the time and memory of one step (reading the file, validating it, writing
the parity rows, compiling the C) so that no model file can hang the import or exhaust
the machine. The adjustable ones have a flag; the fixed ones are far above any model
XGBoost writes. docs/own-model.md documents them.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

MIB = 1 << 20
# Fixed: XGBoost's model documents nest about 8 levels deep and hold short strings (the
# longest is a multiclass base_score); a nesting bomb overflows XGBoost's parser's stack.
MAX_NESTING = 64
MAX_STRING_BYTES = 256 * 1024
MAX_NAME_CHARS = 1024
MAX_CLASSES = 10_000
# Generated parity rows times features: the parity file's size (~20 bytes a cell).
MAX_PARITY_CELLS = 20_000_000


@dataclass(frozen=True)
class Limits:
    max_file_mb: int = 128
    max_trees: int = 10_000
    max_depth: int = 64
    max_features: int = 10_000
    max_nodes: int = 2_000_000

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * MIB


_FLAGS = {
    "max_file_mb": ("--max-file-mb", "largest model file read, in MiB"),
    "max_trees": ("--max-trees", "most trees"),
    "max_depth": ("--max-depth-cap", "deepest tree (splits from root to leaf)"),
    "max_features": ("--max-features", "most features (num_feature)"),
    "max_nodes": ("--max-nodes", "most nodes over all trees"),
}


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Limits()
    group = parser.add_argument_group("caps (a model over one is refused, exit status 3)")
    for field, (flag, what) in _FLAGS.items():
        group.add_argument(flag, dest=field, type=_positive, default=getattr(defaults, field),
                           metavar="N", help=f"{what} (default: {getattr(defaults, field):,})")


def limits_from(args: argparse.Namespace) -> Limits:
    return Limits(**{field: getattr(args, field) for field in _FLAGS})


def flag_of(field: str) -> str:
    return _FLAGS[field][0]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value
