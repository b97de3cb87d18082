"""Whether a model directory holds the demo's own output; `make model` retrains the demo if not.

train.py records in metadata.json a fingerprint of everything it wrote: every file's bytes and
the metadata itself, less the compiled layouts' timings (which differ from run to run). The
directory is the demo's own output when its metadata says the model is the trained demo
(artifact_contract.TRAINED_DEMO), that fingerprint still matches, the recorded options are
train.py's defaults, and (LAYOUT given) the C is in that layout. An import, a retrain with
other options, artifacts of an older contract or an edit of any file breaks one of these.
Exit status 0: the demo; 1: not (the reason on stderr). Standard library only: `make model`
runs it every time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from artifact_contract import METADATA_FILE as METADATA
from artifact_contract import SCHEMA_VERSION, TRAINED_DEMO, model_source
from model_build.layouts import LAYOUTS

FINGERPRINT_KEY = "trained_fingerprint"
OPTIONS = ("rounds", "max_depth", "eta", "early_stopping", "seed")


def fingerprint(model_dir: Path) -> str:
    """SHA-256 over the metadata (less fingerprint and timings) and every other file."""
    metadata = json.loads((model_dir / METADATA).read_text(encoding="utf-8"))
    metadata.pop(FINGERPRINT_KEY, None)
    metadata.get("compiled_layout", {}).pop("measurement", None)
    digest = hashlib.sha256(json.dumps(metadata, sort_keys=True).encode())
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        name = path.relative_to(model_dir).as_posix()
        if name != METADATA:
            digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def record_fingerprint(model_dir: Path) -> None:
    """Add the fingerprint to metadata.json, written as artifacts.py writes it."""
    path = model_dir / METADATA
    metadata = json.loads(path.read_text(encoding="utf-8"))
    metadata[FINGERPRINT_KEY] = fingerprint(model_dir)
    path.write_text(json.dumps(metadata, indent=2, sort_keys=True, allow_nan=False) + "\n",
                    encoding="utf-8")


def other_options(metadata: dict[str, Any]) -> list[str]:
    """The recorded training options that are not train.py's defaults."""
    from model_build.train import parse_args

    defaults = vars(parse_args([]))
    recorded = {**metadata.get("training", {}), "threshold": metadata.get("threshold")}
    return [f"{name} {recorded.get(name)}" for name in (*OPTIONS, "threshold")
            if recorded.get(name) != defaults[name]]


def why_not_the_demo(model_dir: Path, layout: str | None = None) -> str | None:
    """None when model_dir is the demo's own output; else what it is instead."""
    try:
        metadata = json.loads((model_dir / METADATA).read_text(encoding="utf-8"))
        if not isinstance(metadata, dict):
            return f"its {METADATA} is not an object"
        source = model_source(metadata)
        if source is None or metadata.get("schema_version") != SCHEMA_VERSION:
            return (f"its artifacts are of another contract (schema "
                    f"{metadata.get('schema_version')}, this train.py writes {SCHEMA_VERSION})")
        if source != TRAINED_DEMO:
            article = "an" if source[0] in "aeiou" else "a"
            return (f"it holds {article} {source} model "
                    f"({metadata.get('imported_from', {}).get('file')})")
        if FINGERPRINT_KEY not in metadata:
            return "it has no training fingerprint (written by an older train.py, or by hand)"
        if metadata[FINGERPRINT_KEY] != fingerprint(model_dir):
            return "its files were changed since training (the fingerprint does not match)"
    except (OSError, ValueError, AttributeError) as error:
        return f"its {METADATA} cannot be read ({type(error).__name__})"
    changed = other_options(metadata)
    if changed:
        return f"it was trained with other options ({', '.join(changed)})"
    chosen = metadata.get("compiled_layout", {}).get("layout")
    if layout and chosen != layout:
        return f"its C is in layout {chosen}, LAYOUT={layout} was asked"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path, help="the directory train.py wrote")
    parser.add_argument("--layout", choices=LAYOUTS, help="the compiled layout asked for")
    args = parser.parse_args(argv)
    reason = why_not_the_demo(args.model_dir, args.layout)
    if reason is None:
        return 0
    print(f"{args.model_dir} is not the demo's own output: {reason}; training the demo",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
