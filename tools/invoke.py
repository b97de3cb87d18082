"""`make invoke`: one event through one function, like `sam local invoke`.

When a runtime (`make start-lambda`) answers on PORT, the event goes through it: no rebuild,
and its warm workers are reused. Otherwise the function is started for this one invocation
(`python -m local_lambda invoke`), which lays out its task root first.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from devkit.functions import ARM64_FUNCTION
from devkit.paths import SAMPLE_EVENT
from devkit.ports import answering
from local_lambda.__main__ import main as local_invoke


def print_invocation(client: Any, function: str, event: Path) -> int:
    """Invoke through a Lambda endpoint and print the answer and the REPORT line."""
    response = client.invoke(FunctionName=function, Payload=event.read_bytes(), LogType="Tail")
    body = response["Payload"].read()
    try:
        print(json.dumps(json.loads(body), indent=2))
    except ValueError:
        print(body.decode("utf-8", "replace"))
    log = base64.b64decode(response.get("LogResult") or b"").decode("utf-8", "replace")
    reports = [line for line in log.splitlines() if line.startswith("REPORT")]
    if reports:
        print(reports[-1].replace("\t", "  "), file=sys.stderr)
    return 1 if response.get("FunctionError") else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("function", nargs="?", default=ARM64_FUNCTION,
                        help="a function of template.yaml (default: the arm64 one)")
    parser.add_argument("--event", type=Path, default=SAMPLE_EVENT,
                        help="JSON event file to send (default: events/event.json)")
    parser.add_argument("--port", type=int, default=3001,
                        help="where a running `make start-lambda` answers (default: %(default)s)")
    args = parser.parse_args(argv)
    if not answering(args.port):
        print(f"(no runtime on port {args.port}: starting {args.function} for this invocation)",
              file=sys.stderr)
        return local_invoke(["invoke", args.function, "--event", str(args.event)])
    import boto3

    endpoint = f"http://127.0.0.1:{args.port}"
    print(f"(through the runtime at {endpoint})", file=sys.stderr)
    client = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    return print_invocation(client, args.function, args.event)


if __name__ == "__main__":
    raise SystemExit(main())
