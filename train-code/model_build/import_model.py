# long: the import's one flow (checks, conversion, categories, outputs, staged write)
"""Import a user's XGBoost model and write the artifact set that app/ serves.

`make model MODEL=path/to/model.json` runs this. It reads XGBoost JSON or UBJSON (a file in
XGBoost's pre-2.0 binary format is converted first: legacy_binary.py; never a pickle),
refuses what the compiled path cannot reproduce, and writes the same files as the demo's
training: the model, metadata, the TL2cgen C source and a parity file
that the image build checks every compiled library against.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artifact_contract import CONVERTED, IMPORTED
from model_build.checkout import add_output_arguments
from model_build.import_limits import MAX_PARITY_CELLS, Limits, add_limit_arguments, limits_from
from model_build.objectives import BINARY, MULTI_TARGET, MULTICLASS, QUANTILE

# XGBoost, numpy and TL2cgen take seconds to import: the functions below import them once the
# arguments are read, so --help and a bad option answer at once.
if TYPE_CHECKING:
    import numpy as np

    from model_build.artifacts import ModelDescription
    from model_build.categories import CategoricalFeature
    from model_build.legacy_binary import Conversion
    from model_build.model_checks import ModelSummary
    from model_build.model_file import ModelInfo

_BAD_NAME = re.compile(r'[,"\[\]<\x00-\x1f\x7f]')


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
        raise OptionError(f"{what} must be unique, non-empty and free of , \" [ ] < and "
                           f"control characters (NUL, line breaks); got {names[:10]}")
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


def output_names(info: ModelInfo, supplied: list[str] | None) -> list[str]:
    """A quantile model's alphas as text, or a multi-target model's target names; else []."""
    kind = info.spec.kind
    if supplied is not None and kind != MULTI_TARGET:
        raise OptionError(f"target names given, but the model (objective {info.objective!r}) "
                           "has one target")
    if kind == QUANTILE:
        return [repr(alpha) for alpha in info.quantile_alphas]
    if kind != MULTI_TARGET:
        return []
    if supplied is None:
        return [str(i) for i in range(info.num_target)]
    if len(supplied) != info.num_target:
        raise OptionError(f"{len(supplied)} target names given, the model has "
                           f"{info.num_target} targets")
    return supplied


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path,
                        help="XGBoost model saved as .json or .ubj, or in the pre-2.0 binary "
                             "format (.model/.bst/.bin: converted with XGBoost 2.1 first)")
    parser.add_argument("--sample", type=Path,
                        help="CSV of rows to verify the compiled model on (default: rows "
                             "generated on both sides of every split, plus missing values)")
    parser.add_argument("--classes", help="class names: comma-separated, or a file with one per "
                                          "line (default: 0..K-1)")
    parser.add_argument("--features", help="feature names when the model has none: "
                                           "comma-separated or a file with one per line "
                                           "(default: the model's, else f0..fN-1)")
    parser.add_argument("--categories",
                        help="categorical features' category names, for models that do not "
                             "store them (XGBoost < 3.1): a JSON file of feature name to its "
                             "names in code order (default: the model's, else codes only)")
    parser.add_argument("--targets", help="a multi-target model's target names: comma-separated, "
                                          "or a file with one per line (default: 0..T-1)")
    parser.add_argument("--threshold", type=float,
                        help="binary:logistic only: probability of class 1 at or above which a "
                             "row gets class 1 (default 0.5)")
    add_output_arguments(parser)
    add_limit_arguments(parser)
    return parser.parse_args(argv)


def describe(info: ModelInfo, args: argparse.Namespace) -> ModelDescription:
    from model_build.artifacts import ModelDescription

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
        source=IMPORTED,
        output_names=output_names(info, names_from(args.targets, "target names")),
        num_targets=info.num_target,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from model_build.import_errors import error_line, exit_status

    try:
        return import_model(args)
    except Exception as error:  # every failure: one line, a stable status, nothing written
        print(error_line(error, (OptionError,)), file=sys.stderr)
        return exit_status(error, (OptionError,))


def checked_model(args: argparse.Namespace, limits: Limits,
                  scratch: Path) -> tuple[ModelInfo, ModelSummary, str, Conversion | None]:
    """The loaded model, checked before XGBoost parses the file and again as XGBoost read it;
    its summary, the file's SHA-256, and its conversion when it was a legacy binary file."""
    from model_build.legacy_binary import convert, is_legacy_binary
    from model_build.model_checks import check_model
    from model_build.model_document import decode_json, decode_model, read_model_bytes
    from model_build.model_file import load_model

    raw = read_model_bytes(args.model, limits)
    digest = hashlib.sha256(raw).hexdigest()
    source, conversion = args.model, None
    if is_legacy_binary(raw[:4]):
        conversion = convert(args.model, scratch)
        source = conversion.converted
        raw = read_model_bytes(source, limits)
    check_model(decode_model(raw)[1], limits)
    info = load_model(source)
    summary = check_model(decode_json(bytes(info.booster.save_raw("json"))), limits)
    return info, summary, digest, conversion


def with_categories(info: ModelInfo, args: argparse.Namespace,
                    description: ModelDescription) -> tuple[ModelDescription,
                                                            list[CategoricalFeature]]:
    """The description with the model's categorical features (names from the model or
    --categories), and those features."""
    from model_build.categories import CategoriesError, categorical_features, read_supplied

    try:
        features = categorical_features(info.learner, info.trees, description.feature_names,
                                        read_supplied(args.categories))
    except CategoriesError as error:
        raise OptionError(str(error)) from error
    return replace(description, categorical_features={
        feature.name: feature.metadata() for feature in features}), features


def parity_rows(args: argparse.Namespace, info: ModelInfo, names: list[str],
                limits: Limits, categorical: list[CategoricalFeature]) -> np.ndarray:
    from model_build.categories import probe_values
    from model_build.import_errors import OverLimit
    from model_build.parity_file import read_sample
    from model_build.split_rows import split_rows

    probes = {feature.index: probe_values(feature) for feature in categorical}
    if args.sample is None:
        return split_rows(info.trees, info.num_feature, probes=probes)
    if args.sample.is_file() and args.sample.stat().st_size > limits.max_file_bytes:
        raise OverLimit(f"the sample file is over {limits.max_file_mb} MiB (the --max-file-mb "
                        "cap)")
    rows = read_sample(args.sample, names)
    if rows.size > MAX_PARITY_CELLS:
        raise OverLimit(f"the sample has {rows.size:,} values (limit {MAX_PARITY_CELLS:,}, "
                        "fixed): give fewer rows")
    return with_probes(rows, probes)


def with_probes(rows: np.ndarray, probes: dict[int, list[float]]) -> np.ndarray:
    """The sample, then its first row once per probe value of each categorical feature."""
    import numpy as np

    pairs = [(f, value) for f, values in probes.items() for value in values]
    if not pairs or not len(rows):
        return rows
    extra = np.repeat(rows[:1], len(pairs), axis=0)
    for r, (f, value) in enumerate(pairs):
        extra[r, f] = value
    return np.vstack([rows, extra])


def import_model(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="import_model-") as scratch:
        return import_from(args, Path(scratch))


def import_from(args: argparse.Namespace, scratch: Path) -> int:
    from model_build.artifacts import write_artifacts
    from model_build.build_gate import run_gate
    from model_build.legacy_binary import verified_reference
    from model_build.staged_output import replace_directory, staging_beside

    limits = limits_from(args)
    info, summary, digest, conversion = checked_model(args, limits, scratch)
    description, categorical = with_categories(info, args, describe(info, args))
    rows = parity_rows(args, info, description.feature_names, limits, categorical)
    booster = info.booster
    reference, file_format = None, info.file_format
    extra: dict[str, Any] = {"imported_from": {"file": args.model.name, "format": file_format,
                                               "sha256": digest}}
    if conversion is not None:
        reference, figure = verified_reference(conversion, booster, description.spec, rows,
                                               scratch)
        by = f"xgboost {conversion.xgboost_version}"
        print(f"converted {args.model.name} from XGBoost's legacy binary format with {by} "
              f"({conversion.environment}); parity reference: that XGBoost scoring the "
              "original file")
        print(f"conversion check: {figure}")
        description = replace(description, source=CONVERTED,
                              parity_outputs_from=f"{by}, original file")
        file_format = "legacy binary, converted"
        extra["imported_from"].update(format="xgboost-legacy-binary", converted_by=by)
    dropped = booster.attributes()
    booster.set_attr(**dict.fromkeys(dropped))  # not served: user attributes of any size
    booster.feature_names = description.feature_names
    with staging_beside(args.output_dir) as work:
        written = write_artifacts(work / "model", booster, description, rows, extra,
                                  args.layout, reference)
        gate = run_gate(work / "model", work / "build", lambda line: print(line, file=sys.stderr))
        replace_directory(work / "model", args.output_dir)
    print(f"imported {args.model.name} ({file_format}): objective {info.objective}, "
          f"{description.spec.kind}, {info.num_feature} features "
          f"({description.feature_names_source} names), {len(info.trees)} trees, "
          f"{summary.num_nodes} nodes, depth {summary.max_depth}")
    for feature in categorical:
        names = {"model": "names from the model", "supplied": "names from --categories"}
        print(f"categorical feature {feature.name!r}: {feature.known_codes} codes, "
              f"{names.get(feature.names_from or '', 'no names (codes only)')}")
    if description.output_names:
        what = "quantile alphas" if description.spec.kind == QUANTILE else "targets"
        print(f"outputs: {len(description.output_names)} {what} "
              f"{', '.join(description.output_names)[:200]}")
    print(f"parity rows {written.parity_rows} ({description.parity_source})")
    print(f"gate: {gate}")
    if dropped:
        print(f"attributes not served: {', '.join(sorted(dropped))[:200]}")
    print(f"model version {written.model_version}  sha256 {written.model_sha256}")
    paths = [args.output_dir / path.relative_to(work / "model") for path in written.paths]
    print(f"wrote {', '.join(str(path) for path in paths)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
