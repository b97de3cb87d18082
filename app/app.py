"""Lambda entry point: a thin adapter from events to the predictor and back.

Everything heavy happens once, at init (module import): settings, artifact checks,
engine load and self-check. A broken artifact fails init here, loudly.
"""

from __future__ import annotations

import time

from envelopes import parse_request, render, transport_of
from inference.errors import InternalError, RequestError
from inference.features import FeatureSchema
from inference.logs import RequestLog
from inference.predictor import Predictor
from inference.requests import Limits, Shape
from inference.responses import PredictionEncoder, describe_document, error_document
from inference.settings import Settings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SETTINGS = Settings.from_env()
PREDICTOR = Predictor.load(SETTINGS)
SCHEMA = FeatureSchema(PREDICTOR.bundle.feature_names, PREDICTOR.bundle.feature_aliases)
LIMITS = Limits(SETTINGS.max_batch_rows, SETTINGS.max_request_bytes)
ENCODER = PredictionEncoder(PREDICTOR)
FAST_PARSER = PREDICTOR.parse_instances
LOG = RequestLog(PREDICTOR.engine.name, PREDICTOR.bundle.model_version)
LOG.init(PREDICTOR.provenance())


def lambda_handler(event: Any, context: Any) -> bytes | dict[str, Any]:
    """Direct invokes answer JSON bytes; HTTP events an HTTP response with a JSON body."""
    started = time.perf_counter()
    transport = transport_of(event)
    rows, error_code = 0, None
    try:
        request = parse_request(event, transport, SCHEMA, LIMITS, FAST_PARSER)
        if request.shape is Shape.DESCRIBE:
            status, document = 200, describe_document(PREDICTOR)
        else:
            rows = request.n_rows
            outputs = PREDICTOR.predict(request.values, rows)
            status, document = 200, ENCODER.document(request.shape, outputs)
    except RequestError as error:
        status, document, error_code = error.http_status, error_document(error), error.code
    except Exception as failure:  # a bug still answers, with one documented code
        internal = _internal_error(failure)
        status, document, error_code = internal.http_status, error_document(internal), internal.code
    LOG.request(getattr(context, "aws_request_id", None), rows,
                (time.perf_counter() - started) * 1000.0, error_code)
    return render(transport, status, document)


def _internal_error(failure: Exception) -> InternalError:
    """The answer to a bug; its traceback goes to the log (stderr), never to the caller."""
    import traceback  # only on the path that needs it: cold starts stay light

    traceback.print_exc()
    if isinstance(failure, InternalError):
        return failure
    return InternalError("the function failed on this request; its log has the details")
