"""The Open Inference Protocol (KServe v2 REST: Triton, MLServer, KServe clients) over HTTP.

    GET  /v2                                       server metadata
    GET  /v2/health/live, /v2/health/ready         200 while the function answers
    GET  /v2/models/{name}[/versions/1]            model metadata: inputs, outputs
    GET  /v2/models/{name}[/versions/1]/ready      200
    POST /v2/models/{name}[/versions/1]/infer      inference

`{name}` is the model version as describe reports it; the function serves that one model as
version `1`. Paths may carry one leading segment (an API Gateway stage). Errors are the
protocol's `{"error": "<code>: <message>"}` with our stable code and HTTP status.
"""

from __future__ import annotations

import json

from ..errors import MethodNotAllowed, ModelNotFound, NotFound, ServiceError, quoted
from ..features import FeatureSchema
from ..json_codec import PYTHON_ONLY, JsonCodec
from ..predictor import Predictor
from ..requests import Limits
from . import Answer, HttpRequest, is_v2_path
from .v2_outputs import V2Outputs
from .v2_request import read_infer_request

MODEL_VERSION = "1"
SERVER_NAME = "xgboost-lambda"
PROTOCOL_VERSION = "2"  # the server metadata's version: the protocol it speaks
EXTENSIONS = ["binary_tensor_data"]


class Route:
    """A v2 path taken apart: health check, server metadata, or a model and an action."""

    __slots__ = ("action", "health", "model", "version")

    def __init__(self, health: bool = False, model: str | None = None,
                 version: str | None = None, action: str | None = None) -> None:
        self.health = health
        self.model = model
        self.version = version
        self.action = action


def route_of(path: str) -> Route | None:
    parts = [part for part in path.split("/") if part]
    if parts[:1] != ["v2"]:
        parts = parts[1:]  # an API Gateway stage
    if parts[:1] != ["v2"]:
        return None
    rest = parts[1:]
    if not rest:
        return Route()
    if rest[0] == "health":
        return Route(health=True) if rest[1:] in (["live"], ["ready"]) else None
    if rest[0] != "models" or len(rest) < 2:
        return None
    model, version, tail = rest[1], None, rest[2:]
    if tail[:1] == ["versions"] and len(tail) >= 2:
        version, tail = tail[1], tail[2:]
    if tail in ([], ["infer"], ["ready"]):
        return Route(model=model, version=version, action=tail[0] if tail else None)
    return None


class OpenInferenceV2:
    """Routes, metadata and inference for the one model the function serves."""

    def __init__(self, predictor: Predictor, schema: FeatureSchema, limits: Limits,
                 codec: JsonCodec = PYTHON_ONLY) -> None:
        self._predictor = predictor
        self._schema = schema
        self._limits = limits
        self._codec = codec
        self.outputs = V2Outputs(predictor, codec)
        self._name = predictor.bundle.model_version
        self._server = json.dumps({"name": SERVER_NAME, "version": PROTOCOL_VERSION,
                                   "extensions": EXTENSIONS}, separators=(",", ":"))
        self._metadata = json.dumps({
            "name": self._name, "versions": [MODEL_VERSION], "platform": "xgboost",
            "inputs": [{"name": "input-0", "datatype": "FP64", "shape": [-1, schema.size]}],
            "outputs": self.outputs.metadata(),
        }, separators=(",", ":"))
        self._head = f'{{"model_name":{json.dumps(self._name)},"model_version":"{MODEL_VERSION}"'

    def answer(self, request: HttpRequest) -> Answer:
        route = route_of(request.path)
        if route is None:
            raise NotFound(f"no Open Inference Protocol path {quoted(request.path)}")
        action = route.action
        if action != "infer" and request.method != "GET":
            raise MethodNotAllowed(f"use GET on {quoted(request.path)}, not "
                                   f"{quoted(request.method)}", method=request.method)
        if route.health:
            return Answer(200, "", "text/plain")
        if route.model is None:
            return Answer(200, self._server)
        self._check_model(route.model, route.version)
        if action is None:
            return Answer(200, self._metadata)
        if action == "ready":
            return Answer(200, "", "text/plain")
        if request.method != "POST":
            raise MethodNotAllowed(f"use POST to infer, not {quoted(request.method)}",
                                   method=request.method)
        return self._infer(request)

    def _check_model(self, name: str, version: str | None) -> None:
        if name != self._name:
            raise ModelNotFound(f"no model {quoted(name)}; this function serves "
                                f"{quoted(self._name)}", model=name)
        if version is not None and version != MODEL_VERSION:
            raise ModelNotFound(f"no version {quoted(version)} of {quoted(name)}; it has "
                                f"version {MODEL_VERSION}", version=version)

    def _infer(self, request: HttpRequest) -> Answer:
        infer = read_infer_request(request.body, request.headers, self._schema, self._limits,
                                   self.outputs.names, self._codec)
        outputs = self._predictor.predict(infer.values, infer.n_rows)
        echo = "" if infer.id is None else f',"id":{json.dumps(infer.id)}'
        body = (self._head + echo + ',"outputs":'
                + self.outputs.write(outputs, infer.n_rows, infer.outputs) + "}")
        return Answer(200, body, rows=infer.n_rows)


    @staticmethod
    def error_document(error: ServiceError) -> str:
        """The protocol's error body, our stable code first in its message."""
        return json.dumps({"error": f"{error.code}: {error.message}"})


__all__ = ["OpenInferenceV2", "Route", "is_v2_path", "route_of"]
