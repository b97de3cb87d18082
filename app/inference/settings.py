"""Configuration, read once from the environment at init.

The rest of the code receives these values and never reads `os.environ` itself. Paths are
plain strings: importing pathlib (and the urllib.parse and ipaddress it pulls in) costs a cold
start several milliseconds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from artifact_contract import MODEL_DIR_NAME

from .cpus import usable_cpus

ENGINES = ("compiled", "xgboost")
# Lambda refuses synchronous payloads over 6 MB before the function runs; a body that
# reaches us larger than that (e.g. base64 through a URL) is refused before parsing.
DEFAULT_MAX_REQUEST_BYTES = 6 * 1024 * 1024
DEFAULT_MAX_BATCH_ROWS = 10_000
# The JSON codec's library (app/native builds it beside the model library, libmodel.so).
CODEC_LIBRARY = "libcodec.so"


class Settings:
    """engine, model_dir, library_path, max_batch_rows, max_request_bytes, xgboost_threads,
    function_name; model_threads (the compiled engine's threads for large batches);
    codec_library_path (the JSON codec, beside the model library wherever that is).

    A plain class with slots: a dataclass would import `inspect` at every cold start, and a
    namedtuple built from a string is invisible to the type checker."""

    __slots__ = ("codec_library_path", "engine", "function_name", "library_path",
                 "max_batch_rows", "max_request_bytes", "model_dir", "model_threads",
                 "xgboost_threads")

    def __init__(self, engine: str, model_dir: str, library_path: str, max_batch_rows: int,
                 max_request_bytes: int, xgboost_threads: int,
                 function_name: str = "local", model_threads: int = 1) -> None:
        self.engine = engine
        self.function_name = function_name
        self.model_dir = model_dir
        self.library_path = library_path
        self.codec_library_path = os.path.join(os.path.dirname(library_path), CODEC_LIBRARY)
        self.max_batch_rows = max_batch_rows
        self.max_request_bytes = max_request_bytes
        self.xgboost_threads = xgboost_threads
        self.model_threads = model_threads

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        task_root = env.get("LAMBDA_TASK_ROOT") or os.path.dirname(
            os.path.dirname(os.path.realpath(__file__)))
        engine = env.get("INFERENCE_ENGINE", "compiled")
        if engine not in ENGINES:
            raise ValueError(f"INFERENCE_ENGINE must be one of {ENGINES}, got {engine!r}")
        return cls(
            engine=engine,
            model_dir=env.get("MODEL_DIR") or os.path.join(task_root, MODEL_DIR_NAME),
            library_path=env.get("MODEL_LIBRARY") or os.path.join(task_root, "lib", "libmodel.so"),
            max_batch_rows=_positive_int(env, "MAX_BATCH_ROWS", DEFAULT_MAX_BATCH_ROWS),
            max_request_bytes=_positive_int(env, "MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES),
            xgboost_threads=_positive_int(env, "XGBOOST_NTHREAD", 1),
            # Set by Lambda (and the local runtime): the metrics' `function` dimension.
            function_name=env.get("AWS_LAMBDA_FUNCTION_NAME") or "local",
            model_threads=_positive_int(env, "MODEL_THREADS", 0) or usable_cpus(),
        )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a positive integer, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {raw!r}")
    return value
