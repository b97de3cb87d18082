"""The model compiled to C (TL2cgen's if/else, or node tables and a walker) via ctypes.

No numpy, no xgboost: the runtime needs only the shared library built for its own
architecture. A batch is one C call (`predict_batch` loops over the rows).
"""

from __future__ import annotations

import ctypes
import os
from array import array

from ..bundle import ModelBundle
from ..errors import ArtifactError, InternalError
from ..settings import Settings
from . import Engine


class CompiledEngine(Engine):
    name = "compiled"

    def __init__(self, library_path: str, num_features: int, num_outputs: int,
                 threads: int = 1, min_rows_per_thread: int = 1 << 40) -> None:
        library = _open_library(library_path)
        _check_shape(library, library_path, num_features, num_outputs)
        # A batch of at least 2 * min_rows_per_thread rows is split across `threads`.
        library.model_set_threads(threads, min_rows_per_thread)
        self._layout = "arrays" if library.model_layout_is_arrays() else "ifelse"
        self._threads = threads
        self._predict = library.predict_batch
        self._num_features = num_features
        self._num_outputs = num_outputs

    @classmethod
    def load(cls, settings: Settings, bundle: ModelBundle) -> CompiledEngine:
        return cls(settings.library_path, bundle.num_features, bundle.num_outputs,
                   settings.model_threads, bundle.min_rows_per_thread)

    def predict(self, values: array, n_rows: int) -> array:
        out = array("d", bytes(8 * n_rows * self._num_outputs))
        status = self._predict(values.buffer_info()[0], n_rows, self._num_features,
                               out.buffer_info()[0])
        if status != 0:
            # Rows are validated before they get here; a refusal means a broken invariant.
            raise InternalError(f"predict_batch refused its input (status {status})")
        return out

    def versions(self) -> dict[str, str]:
        return {"engine": "tl2cgen-c", "layout": self._layout, "threads": str(self._threads)}


def _open_library(library_path: str) -> ctypes.CDLL:
    if not os.path.isfile(library_path):
        raise ArtifactError(
            f"compiled model library not found at {library_path}: build it with "
            "`make -C app/native` (the image build does this for its own architecture)"
        )
    try:
        library = ctypes.CDLL(str(library_path))
    except OSError as error:
        raise ArtifactError(f"cannot load {library_path}: {error}") from error
    library.model_num_feature.restype = ctypes.c_int32
    library.model_num_output.restype = ctypes.c_int32
    library.model_layout_is_arrays.restype = ctypes.c_int32
    library.model_set_threads.restype = None
    library.model_set_threads.argtypes = [ctypes.c_int32, ctypes.c_int64]
    library.predict_batch.restype = ctypes.c_int64
    library.predict_batch.argtypes = [
        ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32, ctypes.c_void_p,
    ]
    return library


def _check_shape(library: ctypes.CDLL, library_path: str, num_features: int,
                 num_outputs: int) -> None:
    """A library built from another model fails init here, before any self-check row."""
    compiled_features = library.model_num_feature()
    if compiled_features != num_features:
        raise ArtifactError(
            f"{library_path} was compiled for {compiled_features} features but the model "
            f"has {num_features}: rebuild the library from the current model"
        )
    compiled_outputs = library.model_num_output()
    if compiled_outputs != num_outputs:
        raise ArtifactError(
            f"{library_path} gives {compiled_outputs} outputs per row but the model gives "
            f"{num_outputs}: rebuild the library from the current model"
        )
