"""Train the breast-cancer XGBoost classifier and write every artifact that app/ serves.

Serving only reads what this script writes, so everything serving needs to trust the
model (checksum, feature order, class names, threshold, a self-check, the C source and
the parity file that verifies any compiled build) is produced here, deterministically:
two runs with the same options write byte-identical files.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from artifact_contract import TRAINED_DEMO
from model_build.checkout import add_output_arguments

# XGBoost, scikit-learn and TL2cgen take seconds to import: main() imports them once the
# arguments are read, so --help and a bad option answer at once.
if TYPE_CHECKING:
    from model_build.artifacts import ModelDescription
    from model_build.dataset import Splits

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Train an XGBoost binary classifier on scikit-learn's breast-cancer dataset "
            "(0 = malignant, 1 = benign) and write the model, its metadata, its C source "
            "and its parity file into OUTPUT_DIR."
        )
    )
    parser.add_argument("--rounds", type=int, default=100,
                        help="maximum boosting rounds (default: 100)")
    parser.add_argument("--max-depth", type=int, default=3,
                        help="maximum tree depth (default: 3)")
    parser.add_argument("--eta", type=float, default=0.1,
                        help="learning rate (default: 0.1)")
    parser.add_argument("--early-stopping", type=int, default=20,
                        help="stop after this many rounds without validation improvement; "
                             "0 disables early stopping (default: 20)")
    parser.add_argument("--seed", type=int, default=42,
                        help="seed for the data split and XGBoost (default: 42)")
    parser.add_argument("--threshold", type=float, default=0.5,
                        help="probability of 'benign' at or above which a row is labelled benign "
                             "(default: 0.5)")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.max_depth < 1 or not 0 < args.eta <= 1:
        parser.error("--rounds and --max-depth must be >= 1 and --eta in (0, 1]")
    if not 0 < args.threshold < 1:
        parser.error("--threshold must be strictly between 0 and 1")
    return args


def describe_demo(splits: Splits, threshold: float) -> ModelDescription:
    """The demo's names as data: UCI aliases, M/B codes and the original `result` field."""
    from model_build.artifacts import ModelDescription
    from model_build.dataset import CLASS_CODES, FLAT_RESULT_FIELD, uci_name
    from model_build.model import OBJECTIVE

    return ModelDescription(
        objective=OBJECTIVE,
        feature_names=splits.feature_names,
        feature_names_source="model",
        class_names=splits.class_names,
        version_prefix="breast-cancer-xgb",
        parity_source="dataset",
        source=TRAINED_DEMO,
        threshold=threshold,
        class_codes=CLASS_CODES,
        feature_aliases={"uci": {name: uci_name(name) for name in splits.feature_names}},
        flat_result_field=FLAT_RESULT_FIELD,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from model_build.artifacts import write_artifacts
    from model_build.dataset import load_splits
    from model_build.demo_state import record_fingerprint
    from model_build.model import TrainingParams, evaluate, train_booster
    from model_build.staged_output import replace_directory, staging_beside

    params = TrainingParams(
        rounds=args.rounds,
        max_depth=args.max_depth,
        eta=args.eta,
        early_stopping=args.early_stopping,
        seed=args.seed,
    )
    splits = load_splits(seed=args.seed)
    booster = train_booster(splits, params)
    metrics = evaluate(booster, splits.x_test, splits.y_test, args.threshold)
    extra = {
        "metrics": {"test": metrics},
        "training": {
            **params.as_dict(),
            "dataset": "sklearn.datasets.load_breast_cancer",
            "split": {"train": len(splits.y_train), "validation": len(splits.y_valid),
                      "test": len(splits.y_test), "stratified": True},
        },
    }
    # Staged beside the output and swapped in whole: an interrupted training leaves the
    # previous model as it was, never a mix of both.
    with staging_beside(args.output_dir) as work:
        written = write_artifacts(work / "model", booster,
                                  describe_demo(splits, args.threshold), splits.x_all, extra,
                                  args.layout)
        record_fingerprint(work / "model")  # `make model` tells the demo's own output by it
        replace_directory(work / "model", args.output_dir)
        paths = [args.output_dir / path.relative_to(work / "model") for path in written.paths]

    print(f"trained {booster.num_boosted_rounds()} trees "
          f"(of at most {params.rounds}; early stopping {params.early_stopping})")
    print(f"test rows {len(splits.y_test)}: accuracy {metrics['accuracy']:.4f}  "
          f"roc_auc {metrics['roc_auc']:.4f}  log_loss {metrics['log_loss']:.4f}")
    matrix = metrics["confusion_matrix"]
    print(f"confusion matrix [rows true, cols predicted; malignant, benign]: {matrix}")
    print(f"model version {written.model_version}  sha256 {written.model_sha256}")
    print(f"wrote {', '.join(str(p) for p in paths)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
