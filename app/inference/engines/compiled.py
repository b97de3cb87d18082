"""The model compiled to C by TL2cgen and called through ctypes.

No numpy, no xgboost: the runtime needs only the shared library built for its own
architecture. A batch is one C call (`predict_proba_batch` loops over the rows).
"""

from __future__ import annotations

import ctypes
from array import array
from pathlib import Path

from ..errors import ArtifactError


class CompiledEngine:
    name = "compiled"

    def __init__(self, library_path: Path, num_features: int) -> None:
        if not library_path.is_file():
            raise ArtifactError(
                f"compiled model library not found at {library_path}: build it with "
                "`make -C app/native` (the image build does this for its own architecture)"
            )
        try:
            library = ctypes.CDLL(str(library_path))
        except OSError as error:
            raise ArtifactError(f"cannot load {library_path}: {error}") from error
        library.model_num_feature.restype = ctypes.c_int32
        library.predict_proba_batch.restype = ctypes.c_int64
        library.predict_proba_batch.argtypes = [
            ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32, ctypes.c_void_p,
        ]
        compiled_features = library.model_num_feature()
        if compiled_features != num_features:
            raise ArtifactError(
                f"{library_path} was compiled for {compiled_features} features but the model "
                f"has {num_features}: rebuild the library from the current model"
            )
        self._predict = library.predict_proba_batch
        self._num_features = num_features
        self.library_path = library_path

    def predict_positive(self, values: array, n_rows: int) -> list[float]:
        out = array("d", bytes(8 * n_rows))
        status = self._predict(values.buffer_info()[0], n_rows, self._num_features,
                               out.buffer_info()[0])
        if status != 0:
            # Rows are validated before they get here; a refusal means a broken invariant.
            raise RuntimeError(f"predict_proba_batch refused its input (status {status})")
        return out.tolist()

    def versions(self) -> dict[str, str]:
        return {"engine": "tl2cgen-c"}
