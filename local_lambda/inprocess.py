"""Import a handler module in this process, with a given environment, as a fresh init would.

For tests and benchmarks that call `lambda_handler` directly: each call gets its own module
object, so several configurations (engines, limits, models) can live side by side.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType


def put_task_root_on_path(task_root: Path) -> None:
    """The handler's own imports resolve from its task root, as LAMBDA_TASK_ROOT does in Lambda."""
    if str(task_root) not in sys.path:
        sys.path.insert(0, str(task_root))


def load_handler_module(path: Path, env: dict[str, str], name: str) -> ModuleType:
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    put_task_root_on_path(path.parent)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
