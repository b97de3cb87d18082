"""The shape of the dev tooling and the compare tool: sizes a reader can hold, one entry-point
form, and imports that run one way (dev tools -> product, never back)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from size_limits import ROOT, findings, python_files

# Every folder of code (tests/ apart: a test file's length follows its cases).
CHECKED = ["app", "train-code", "lambda_compare", "local_lambda", "tools", "bench", "e2e", "fuzz",
           "devkit", "invoke_x86_64_arm64_lambdas.py"]
NOT_YET: set[str] = set()
PRODUCT = ["lambda_compare", "app"]
DEV_TOOLS = {"devkit", "local_lambda", "tools", "bench", "e2e", "fuzz"}


def checked_files() -> list[Path]:
    files = python_files([ROOT / name for name in CHECKED])
    return [p for p in files if str(p.relative_to(ROOT)) not in NOT_YET]


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_function_over_60_lines_nor_module_over_300_without_a_reason():
    unexplained = [item.line() for item in findings(checked_files()) if not item.reason]
    assert unexplained == []


def test_the_limits_check_finds_a_long_function(tmp_path):
    long = tmp_path / "long.py"
    long.write_text("def f():\n" + "    x = 1\n" * 60 + "    return x\n")
    assert [(item.name, item.lines) for item in findings([long])] == [("f", 62)]


@pytest.mark.parametrize("package", PRODUCT)
def test_the_product_imports_no_dev_tool(package):
    leaks = {str(path.relative_to(ROOT)): sorted(imported_roots(path) & DEV_TOOLS)
             for path in python_files([ROOT / package])}
    assert {path: roots for path, roots in leaks.items() if roots} == {}


def test_dev_tools_import_no_script_of_tools():
    users = [str(path.relative_to(ROOT)) for path in checked_files()
             if not path.is_relative_to(ROOT / "tools") and "tools" in imported_roots(path)]
    assert users == []


def has_entry_point(tree: ast.Module) -> bool:
    """`def main(argv: Sequence[str] | None = None, *keyword_only) -> int`."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "main":
            args = node.args
            return (len(args.args) == 1 and args.args[0].arg == "argv"
                    and ast.unparse(args.args[0].annotation or ast.Constant(None))
                    == "Sequence[str] | None"
                    and len(args.defaults) == 1 and ast.unparse(args.defaults[0]) == "None"
                    and ast.unparse(node.returns or ast.Constant(None)) == "int")
    return False


def test_every_command_has_one_entry_point_form():
    wrong = []
    for path in checked_files():
        source = path.read_text(encoding="utf-8")
        if 'if __name__ == "__main__":' not in source and path.name != "__main__.py":
            continue
        tree = ast.parse(source)
        imports_main = any(isinstance(n, ast.ImportFrom) and any(a.name == "main" for a in n.names)
                           for n in tree.body)
        if not (has_entry_point(tree) or imports_main) \
                or "raise SystemExit(main())" not in source or "sys.exit(" in source:
            wrong.append(str(path.relative_to(ROOT)))
    assert wrong == []


def test_the_compare_tool_has_the_entry_point_form():
    assert has_entry_point(ast.parse((ROOT / "lambda_compare" / "cli.py").read_text()))
