"""Lambda entry point: a thin adapter from events to the predictor and back.

Everything heavy happens once, at init (module import): settings, artifact checks,
engine load and self-check. A broken artifact fails init here, loudly.
"""

from __future__ import annotations

import time

from envelopes import (
    Transport,
    http_body,
    http_header,
    http_method,
    http_path,
    http_request,
    render,
    transport_of,
)
from inference.errors import InternalError, RequestError
from inference.features import FeatureSchema
from inference.json_codec import load_codec
from inference.logs import RequestLog
from inference.predictor import Predictor
from inference.protocols import CSV, is_v2_path, media_type
from inference.requests import (
    Limits,
    PredictionRequest,
    Shape,
    describe_request,
    parse_body,
    parse_payload,
)
from inference.responses import PredictionEncoder, describe_document, error_document
from inference.settings import Settings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from inference.protocols.sagemaker import SageMakerCsv
    from inference.protocols.v2 import OpenInferenceV2

SETTINGS = Settings.from_env()
PREDICTOR = Predictor.load(SETTINGS)
SCHEMA = FeatureSchema(PREDICTOR.bundle.feature_names, PREDICTOR.bundle.feature_aliases,
                       PREDICTOR.bundle.category_codes)
LIMITS = Limits(SETTINGS.max_batch_rows, SETTINGS.max_request_bytes)
# The request/response layer's JSON codec: C for large bodies when its library is there.
CODEC = load_codec(SETTINGS.codec_library_path)
ENCODER = PredictionEncoder(PREDICTOR, CODEC)
# The Open Inference Protocol and SageMaker CSV, built on their first request (_protocol):
# a cold start that serves our own JSON pays nothing for them.
PROTOCOLS: dict[str, OpenInferenceV2 | SageMakerCsv] = {}
LOG = RequestLog(PREDICTOR.engine.name, PREDICTOR.bundle.model_version,
                 function=SETTINGS.function_name)
LOG.init(PREDICTOR.provenance())


def lambda_handler(event: Any, context: Any) -> bytes | dict[str, Any]:
    """Direct invokes answer JSON bytes; HTTP events an HTTP response: our JSON, or the
    Open Inference Protocol's on /v2 paths, or SageMaker's for text/csv bodies."""
    started = time.perf_counter()
    transport = transport_of(event)
    protocol = _protocol(event) if transport is Transport.HTTP else None
    rows, error_code, content_type = 0, None, "application/json"
    try:
        if protocol is not None:
            answer = protocol.answer(http_request(event, LIMITS.max_request_bytes))
            status, document, content_type, rows = (answer.status, answer.body,
                                                    answer.content_type, answer.rows)
        else:
            request = _our_request(event, transport)
            if request.shape is Shape.DESCRIBE:
                status, document = 200, describe_document(PREDICTOR)
            else:
                rows = request.n_rows
                outputs = PREDICTOR.predict(request.values, rows)
                status, document = 200, ENCODER.document(request.shape, outputs)
    except RequestError as error:
        status, error_code = error.http_status, error.code
        document = (protocol or PLAIN).error_document(error)
    except Exception as failure:  # a bug still answers, with one documented code
        internal = _internal_error(failure)
        status, error_code = internal.http_status, internal.code
        document = (protocol or PLAIN).error_document(internal)
    LOG.request(getattr(context, "aws_request_id", None), rows,
                (time.perf_counter() - started) * 1000.0, error_code)
    return render(transport, status, document, content_type)


def _our_request(event: Any, transport: Transport) -> PredictionRequest:
    """Our own JSON: a direct invoke's event is the payload, an HTTP event's body carries it
    (none: a GET, which describes)."""
    if transport is Transport.DIRECT:
        return parse_payload(event, SCHEMA, LIMITS)
    body = http_body(event, LIMITS.max_request_bytes)
    return describe_request() if body is None else parse_body(body, SCHEMA, LIMITS, CODEC)


class PLAIN:
    """Our own JSON's error document, for requests in no other protocol."""

    error_document = staticmethod(error_document)


def _protocol(event: dict[str, Any]) -> OpenInferenceV2 | SageMakerCsv | None:
    """Which protocol an HTTP event speaks: by its path, then its body's type."""
    if is_v2_path(http_path(event)):
        kind = "v2"
    elif http_method(event) == "POST" and media_type(http_header(event, "content-type")) == CSV:
        kind = "csv"
    else:
        return None
    protocol = PROTOCOLS.get(kind)
    if protocol is None:
        if kind == "v2":
            from inference.protocols.v2 import OpenInferenceV2
            protocol = OpenInferenceV2(PREDICTOR, SCHEMA, LIMITS, CODEC)
        else:
            from inference.protocols.sagemaker import SageMakerCsv
            protocol = SageMakerCsv(PREDICTOR, SCHEMA, LIMITS)
        PROTOCOLS[kind] = protocol
    return protocol


def _internal_error(failure: Exception) -> InternalError:
    """The answer to a bug; its traceback goes to the log (stderr), never to the caller."""
    import traceback  # only on the path that needs it: cold starts stay light

    traceback.print_exc()
    if isinstance(failure, InternalError):
        return failure
    return InternalError("the function failed on this request; its log has the details")
