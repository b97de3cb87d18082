"""Import a user's XGBoost model and write the artifact set that app/ serves.

`make model MODEL=path/to/model.json` runs this. It reads XGBoost JSON or UBJSON only
(never a pickle), refuses what the compiled path cannot reproduce, and writes the same
files as the demo's training: the model, metadata, the TL2cgen C source and a parity file
that the image build checks every compiled library against.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from layouts import LAYOUTS
from objectives import BINARY, MULTICLASS, UnsupportedObjective

# XGBoost, numpy and TL2cgen take seconds to import: main() imports them once the arguments
# are read, so --help and a bad option answer at once.
if TYPE_CHECKING:
    from artifacts import ModelDescription
    from model_file import ModelInfo

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "app" / "model"
_BAD_NAME = re.compile(r'[,"\r\n\[\]<]')


class OptionError(ValueError):
    """A supplied option does not fit the model; the message says what was expected."""


def names_from(option: str | None, what: str) -> list[str] | None:
    """A comma-separated list, or @file / an existing file with one name per line."""
    if option is None:
        return None
    path = Path(option[1:] if option.startswith("@") else option)
    if option.startswith("@") or (path.is_file() and "," not in option):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise OptionError(f"{what}: cannot read {path} as UTF-8 text ({error})") from error
        names = [line.strip() for line in lines if line.strip()]
    else:
        names = [name.strip() for name in option.split(",")]
    bad = [name for name in names if not name or _BAD_NAME.search(name)]
    if bad or len(set(names)) != len(names):
        raise OptionError(f"{what} must be unique, non-empty and free of , \" [ ] < and line "
                           f"breaks; got {names[:10]}")
    return names


def feature_names(info: ModelInfo, supplied: list[str] | None) -> tuple[list[str], str]:
    if supplied is not None:
        if len(supplied) != info.num_feature:
            raise OptionError(f"{len(supplied)} feature names given, the model takes "
                               f"{info.num_feature}")
        return supplied, "supplied"
    if info.feature_names is not None:
        return info.feature_names, "model"
    return [f"f{i}" for i in range(info.num_feature)], "generated"


def class_names(info: ModelInfo, supplied: list[str] | None) -> list[str]:
    count = {BINARY: 2, MULTICLASS: info.num_class}.get(info.spec.kind, 0)
    if count == 0:
        if supplied:
            raise OptionError(f"class names given, but objective {info.objective!r} has no "
                               "classes")
        return []
    if supplied is None:
        return [str(i) for i in range(count)]
    if len(supplied) != count:
        raise OptionError(f"{len(supplied)} class names given, the model has {count} classes")
    return supplied


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="XGBoost model saved as .json or .ubj")
    parser.add_argument("--sample", type=Path,
                        help="CSV of rows to verify the compiled model on (default: rows "
                             "generated on both sides of every split, plus missing values)")
    parser.add_argument("--classes", help="class names: comma-separated, or a file with one per "
                                          "line (default: 0..K-1)")
    parser.add_argument("--features", help="feature names when the model has none: "
                                           "comma-separated or a file with one per line "
                                           "(default: the model's, else f0..fN-1)")
    parser.add_argument("--threshold", type=float,
                        help="binary:logistic only: probability of class 1 at or above which a "
                             "row gets class 1 (default 0.5)")
    parser.add_argument("--layout", choices=LAYOUTS,
                        help="compiled layout (default: the faster of both, measured here)")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT,
                        help="where to write the artifacts (default: app/model)")
    return parser.parse_args(argv)


def describe(info: ModelInfo, args: argparse.Namespace) -> ModelDescription:
    from artifacts import ModelDescription

    names, source = feature_names(info, names_from(args.features, "feature names"))
    threshold = info.spec.threshold
    if args.threshold is not None:
        if info.objective != "binary:logistic" or not 0 < args.threshold < 1:
            raise OptionError("--threshold applies to binary:logistic models and must be "
                               "strictly between 0 and 1")
        threshold = args.threshold
    return ModelDescription(
        objective=info.objective, feature_names=names,
        feature_names_source=source, class_names=class_names(info, names_from(args.classes,
                                                                              "class names")),
        version_prefix=re.sub(r"[^A-Za-z0-9_.-]", "-", args.model.stem)[:40] + "-xgb",
        threshold=threshold,
        parity_source="sample" if args.sample else "split-thresholds",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from artifacts import sha256_of, write_artifacts
    from model_file import ModelFileError, load_model
    from parity_file import SampleError, read_sample
    from split_rows import split_rows

    try:
        info = load_model(args.model)
        digest = sha256_of(args.model)
        description = describe(info, args)
        rows = (read_sample(args.sample, description.feature_names) if args.sample
                else split_rows(info.trees, info.num_feature))
    except (ModelFileError, UnsupportedObjective, OptionError, SampleError, OSError) as error:
        print(f"import_model: {error}", file=sys.stderr)
        return 2
    booster = info.booster
    booster.feature_names = description.feature_names
    extra = {"imported_from": {"file": args.model.name, "format": info.file_format,
                               "sha256": digest}}
    written = write_artifacts(args.output_dir, booster, description, rows, extra, args.layout)
    print(f"imported {args.model.name} ({info.file_format}): objective {info.objective}, "
          f"{description.spec.kind}, {info.num_feature} features "
          f"({description.feature_names_source} names), {len(info.trees)} trees")
    print(f"parity rows {written.parity_rows} ({description.parity_source})")
    print(f"model version {written.model_version}  sha256 {written.model_sha256}")
    print(f"wrote {', '.join(str(p) for p in written.paths)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
