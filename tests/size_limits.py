"""Functions over 60 lines and modules over 300, found with `ast`: the sizes a reader can hold.

`python tests/size_limits.py [DIR ...]` lists them (the whole tree by default); a module whose
first lines say why it is long (`# long: <reason>`) is listed with its reason, not as a finding.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 300
REASON_MARK = "# long: "
ROOT = Path(__file__).resolve().parent.parent
# Built or downloaded, not written here: hidden folders (.venv, .local-runtime, ...) and these.
SKIPPED = {"build", "node_modules", "results"}


@dataclass(frozen=True)
class Oversize:
    path: str
    name: str  # "" for the module itself
    lines: int
    reason: str = ""

    def line(self) -> str:
        what = f"{self.path}:{self.name}" if self.name else self.path
        limit = MAX_FUNCTION_LINES if self.name else MAX_MODULE_LINES
        why = f" ({self.reason})" if self.reason else ""
        return f"{what}: {self.lines} lines > {limit}{why}"


def python_files(folders: Sequence[Path]) -> Iterator[Path]:
    for folder in folders:
        if folder.is_file():
            yield folder
            continue
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).parts
            if not SKIPPED.intersection(parts) and not any(p.startswith(".") for p in parts):
                yield path


def stated_reason(source: str) -> str:
    """The `# long: ...` line among a module's first ten lines, if any."""
    for text in source.splitlines()[:10]:
        if text.startswith(REASON_MARK):
            return text[len(REASON_MARK):].strip()
    return ""


def oversized(path: Path, root: Path = ROOT) -> list[Oversize]:
    source = path.read_text(encoding="utf-8")
    name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    found = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(Oversize(name, "", lines, stated_reason(source)))
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(Oversize(name, node.name, length))
    return found


def findings(folders: Sequence[Path]) -> list[Oversize]:
    return [item for path in python_files(folders) for item in oversized(path)]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    folders = [Path(a).resolve() for a in args] or [ROOT]
    items = findings(folders)
    for item in items:
        print(item.line())
    unexplained = [item for item in items if not item.reason]
    print(f"{len(items)} over the limits, {len(unexplained)} without a stated reason")
    return 1 if unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())
