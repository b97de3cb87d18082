"""The importer's refusals: one line each, a stable code, a stable exit status.

Every way an import can fail ends in exactly one line on stderr, `import_model: <code>:
<what was expected and what came>`, and one of the exit statuses below; nothing in the
output directory changes. docs/own-model.md lists the codes.
"""

from __future__ import annotations

import tl2cgen
import treelite
import xgboost as xgb

from model_build.layout_choice import LayoutChoiceError, LayoutUnavailable
from model_build.model_file import ModelFileError
from model_build.objectives import UnsupportedObjective
from model_build.parity_file import SampleError

# Exit statuses, one per kind of failure (argparse's usage errors are 2 as well).
REFUSED = 2        # the model file, an option or the sample cannot be imported
OVER_LIMIT = 3     # a cap was exceeded; its flag raises it
GATE_FAILED = 4    # the generated C did not compile, or failed the parity/sanitizer gate
OUTPUT_FAILED = 5  # the output directory could not be written or replaced
INTERNAL = 70      # a bug in the importer (EX_SOFTWARE): please report it

MAX_LINE_CHARS = 600


class ImportRefused(Exception):
    """A refusal with its stable code; subclasses fix the exit status."""

    status = REFUSED

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class OverLimit(ImportRefused):
    status = OVER_LIMIT

    def __init__(self, message: str) -> None:
        super().__init__("over_limit", message)


class GateFailed(ImportRefused):
    status = GATE_FAILED

    def __init__(self, message: str) -> None:
        super().__init__("gate_failed", message)


class OutputFailed(ImportRefused):
    status = OUTPUT_FAILED

    def __init__(self, message: str) -> None:
        super().__init__("output_failed", message)


# The existing refusals of the model file, objective, options and sample, and what the
# libraries say of a model that passed the checks (their first line only).
_CODES: dict[type[Exception], str] = {
    LayoutUnavailable: "invalid_option",
    LayoutChoiceError: "gate_failed",
    ModelFileError: "model_not_served",
    UnsupportedObjective: "unsupported_objective",
    SampleError: "invalid_sample",
    xgb.core.XGBoostError: "xgboost_refused",
    treelite.TreeliteError: "c_generation_failed",
    tl2cgen.TL2cgenError: "c_generation_failed",
}
_FIRST_LINE_ONLY = (xgb.core.XGBoostError, treelite.TreeliteError, tl2cgen.TL2cgenError)


def error_line(error: BaseException, option_errors: tuple[type[Exception], ...] = ()) -> str:
    """The one line for any error; unknown kinds say they are a bug, without a traceback."""
    if isinstance(error, ImportRefused):
        code = error.code
    elif isinstance(error, option_errors):
        code = "invalid_option"
    else:
        code = next((c for kind, c in _CODES.items() if isinstance(error, kind)), "")
        if not code:
            code = "unreadable_file" if isinstance(error, OSError) else "internal_error"
    text = str(error) if code != "internal_error" else (
        f"{type(error).__name__}: {error} (a bug in the importer; please report it)")
    if isinstance(error, _FIRST_LINE_ONLY):
        text = (text.strip().splitlines() or ["no detail"])[0]
    text = " ".join(text.split())
    if len(text) > MAX_LINE_CHARS:
        text = text[:MAX_LINE_CHARS] + "…"
    return f"import_model: {code}: {text}"


def exit_status(error: BaseException, option_errors: tuple[type[Exception], ...] = ()) -> int:
    if isinstance(error, ImportRefused):
        return error.status
    if isinstance(error, LayoutUnavailable):
        return REFUSED
    if isinstance(error, (treelite.TreeliteError, tl2cgen.TL2cgenError, LayoutChoiceError)):
        return GATE_FAILED
    if isinstance(error, (*_CODES, *option_errors, OSError)):
        return REFUSED
    return INTERNAL
