"""lambda_handler under atheris (coverage-guided, libFuzzer underneath).

The first byte picks how the rest reaches the handler: as a direct invoke's JSON payload
(as the runtime would parse it), as a Function URL text body (undecodable bytes become
lone surrogates, as a hostile direct invoke can send), as a base64 body, as an Open Inference
Protocol infer body, or as a text/csv body. Any exception,
an `internal_error`, an undocumented code or an error answer over `MAX_ERROR_BYTES` is a
finding. Run through `python -m fuzz.run`, which seeds it from events/.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import atheris

from devkit.paths import EVENTS_DIR, MODEL_DIR, ROOT, host_library
from local_lambda.inprocess import load_handler_module, put_task_root_on_path

put_task_root_on_path(ROOT / "app")

with atheris.instrument_imports():
    import envelopes  # noqa: F401
    from inference import errors, features, requests, responses  # noqa: F401
    from inference.protocols import sagemaker, v2, v2_outputs, v2_request  # noqa: F401

MAX_ERROR_BYTES = 4096
CODES = errors.all_error_codes()
URL_EVENT = json.loads((EVENTS_DIR / "event-function-url.json").read_text())
MODES = ("direct", "text", "base64", "v2", "csv")


def handler_env() -> dict[str, str]:
    machine = os.uname().machine
    return {"INFERENCE_ENGINE": os.environ.get("INFERENCE_ENGINE", "compiled"),
            "MODEL_DIR": str(MODEL_DIR),
            "MODEL_LIBRARY": str(host_library(machine)),
            "MAX_BATCH_ROWS": "50", "MAX_REQUEST_BYTES": "100000"}


APP = load_handler_module(ROOT / "app" / "app.py", handler_env(), "fuzzed_app")


def event_of(data: bytes) -> Any:
    """The event for one input, or None when the runtime would refuse it before the handler."""
    mode, rest = MODES[data[0] % len(MODES)] if data else "direct", data[1:]
    if mode == "direct":
        try:
            return json.loads(rest)
        except (ValueError, RecursionError):
            return None
    event = copy.deepcopy(URL_EVENT)
    if mode == "v2":
        event["rawPath"] = f"/v2/models/{APP.PREDICTOR.bundle.model_version}/infer"
    elif mode == "csv":
        event["headers"] = {"content-type": "text/csv", "accept": "application/json"}
    if mode != "base64":
        event["body"] = rest.decode("utf-8", "surrogateescape")
    else:
        event["body"], event["isBase64Encoded"] = base64.b64encode(rest).decode(), True
    return event


def check(data: bytes) -> None:
    event = event_of(data)
    if event is None:
        return
    response = APP.lambda_handler(event, None)
    if isinstance(response, bytes):
        text, status = response.decode("utf-8"), None
    else:
        text, status = response["body"], response["statusCode"]
        if response["headers"].get("Content-Type") != "application/json":
            if status >= 400:  # errors are JSON in every protocol
                raise AssertionError(f"a {status} answer that is not JSON: {text[:300]}")
            return  # a CSV, JSON-lines or empty (health) answer
    document = json.loads(text)
    if isinstance(document, dict) and "error" in document:
        error = document["error"]  # ours: {"code", ...}; the v2 protocol's: "code: message"
        code = error.split(":", 1)[0] if isinstance(error, str) else error["code"]
        if code not in CODES or code == "internal_error":
            raise AssertionError(f"undocumented or internal error answer: {text[:300]}")
        if status is not None and status != CODES[code]:
            raise AssertionError(f"{code} answered with HTTP {status}")
        if len(text) > MAX_ERROR_BYTES:
            raise AssertionError(f"{code} answer is {len(text)} bytes")


def main(argv: Sequence[str] | None = None) -> int:
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for good: the handler's request log, one line per input
    atheris.Setup([sys.argv[0], *(sys.argv[1:] if argv is None else argv)], check)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
