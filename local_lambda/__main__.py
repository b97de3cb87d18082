"""`python -m local_lambda start-lambda`, `start-url` and `invoke`.

Like `sam local start-lambda` and `sam local invoke`, without Docker: the functions of
template.yaml run in AWS's Runtime Interface Emulator on this machine, on its architecture.
`start-url` serves each function's Function URL as plain HTTP, one port per function.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .api import LocalLambda, make_server, wait_forever
from .arm64 import EmulationUnavailable, emulated_image
from .cloudwatch_logs import CloudWatchLogsWriter
from .console import host_note
from .functions import DEFAULT_REGION, load_functions
from .image import ROOT, STATE_DIR, build_image, image_name
from .pool import FunctionPool
from .report_line import tail_log
from .url import make_url_server

DEFAULT_PORT = 3001
DEFAULT_URL_PORT = 3101


def build_pools(template: Path, region: str, max_concurrency: int, log: Any = print,
                emulate_arm64: bool = False) -> dict[str, FunctionPool]:
    specs = load_functions(template)
    images: dict[str, Any] = {}
    pools = {}
    for name, spec in specs.items():
        key = image_name(spec.build_args, spec.docker_context)
        if key not in images:
            images[key] = build_image(spec.dockerfile, spec.build_args, key,
                                      context=spec.docker_context, log=log)
        image = images[key]
        if emulate_arm64 and spec.architecture == "arm64":
            if key + "-arm64" not in images:
                images[key + "-arm64"] = emulated_image(image, spec.docker_context, STATE_DIR,
                                                        log)
            image = images[key + "-arm64"]
        pools[name] = FunctionPool(spec, image, region, max_concurrency)
    return pools


def _stop_on_signals(servers: list[Any]) -> None:
    """SIGTERM and SIGINT shut every server down (from another thread, as they require)."""
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        if not stopping.is_set():
            stopping.set()
            for server in servers:
                threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _announce(pools: dict[str, FunctionPool]) -> None:
    for pool in pools.values():
        print(f"[local-lambda] {pool.spec.name}: {host_note(pool.spec, pool.image)}; engine "
              f"{pool.spec.engine}; memory {pool.spec.memory_mb} MB; timeout "
              f"{pool.spec.timeout_s} s; up to {pool.max_concurrency} concurrent", flush=True)


def _pools(args: argparse.Namespace) -> dict[str, FunctionPool]:
    return build_pools(args.template, args.region, args.max_concurrency,
                       log=lambda text: print(f"[local-lambda] {text}", flush=True),
                       emulate_arm64=args.emulate_arm64)


def start_lambda(args: argparse.Namespace) -> int:
    pools = _pools(args)
    logs = CloudWatchLogsWriter(args.logs_endpoint_url, args.region) \
        if args.logs_endpoint_url else None
    lambda_ = LocalLambda(pools, args.region, logs)
    server = make_server(lambda_, args.port, args.allow_host)
    _stop_on_signals([server])
    _announce(pools)
    if logs is not None:
        print(f"[local-lambda] logs: CloudWatch Logs at {logs.endpoint_url}, log groups "
              f"{', '.join(p.spec.log_group for p in pools.values())}", flush=True)
    print(f"[local-lambda] Running on http://127.0.0.1:{args.port} (host {platform.machine()})",
          flush=True)
    try:
        wait_forever(server)
    finally:
        lambda_.close()
        print("[local-lambda] stopped", flush=True)
    return 0


def start_url(args: argparse.Namespace) -> int:
    """One plain-HTTP Function URL per function, on consecutive ports from --port."""
    pools = _pools(args)
    servers = [make_url_server(pool, args.port + index if args.port else 0, args.allow_host)
               for index, pool in enumerate(pools.values())]
    _stop_on_signals(servers)
    _announce(pools)
    for server, name in zip(servers, pools, strict=True):
        print(f"[local-lambda] {name}: Function URL http://127.0.0.1:"
              f"{server.server_address[1]}/ (local, plain HTTP, no IAM signature)", flush=True)
    ports = [server.server_address[1] for server in servers]
    print(f"[local-lambda] Running on http://127.0.0.1:{ports[0]} to {ports[-1]} (Function "
          f"URLs; host {platform.machine()})", flush=True)
    threads = [threading.Thread(target=wait_forever, args=(server,), daemon=True)
               for server in servers[1:]]
    for thread in threads:
        thread.start()
    try:
        wait_forever(servers[0])
        for thread in threads:
            thread.join()
    finally:
        for pool in pools.values():
            pool.close()
        print("[local-lambda] stopped", flush=True)
    return 0


def invoke(args: argparse.Namespace) -> int:
    pools = build_pools(args.template, args.region, 1,
                        log=lambda text: print(text, file=sys.stderr),
                        emulate_arm64=args.emulate_arm64)
    pool = pools.get(args.function)
    if pool is None:
        print(f"no function {args.function!r} in {args.template}; functions: "
              f"{', '.join(sorted(pools))}", file=sys.stderr)
        return 2
    payload = args.event.read_bytes() if args.event else b"{}"
    try:
        outcome = pool.invoke(payload)
    finally:
        for each in pools.values():
            each.close()
    log_lines = [*outcome.log_lines, outcome.report.line(host_note(pool.spec, pool.image))]
    for line in log_lines:
        print(line, file=sys.stderr)
    if args.log_result:
        print(f"X-Amz-Log-Result: {tail_log(log_lines)}", file=sys.stderr)
    try:
        print(json.dumps(json.loads(outcome.payload), indent=2))
    except ValueError:
        print(outcome.payload.decode("utf-8", "replace"))
    return 1 if outcome.function_error else 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    invoked_as = Path(sys.argv[0]).name  # local-lambda, or __main__.py for `python -m`
    prog = "python -m local_lambda" if invoked_as == "__main__.py" else invoked_as
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--template", "-t", type=Path, default=ROOT / "template.yaml",
                        help="the SAM template whose functions to run (default: the "
                             "repository's template.yaml)")
    parser.add_argument("--region", default=DEFAULT_REGION,
                        help="AWS_REGION the functions see; nothing is sent to AWS "
                             "(default: %(default)s)")
    parser.add_argument("--emulate-arm64", action="store_true",
                        help="run arm64 functions as real aarch64 code under qemu (slow)")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start-lambda", help="serve the Lambda API on 127.0.0.1")
    start.add_argument("--port", "-p", type=int, default=DEFAULT_PORT,
                       help="port on 127.0.0.1 (default: %(default)s)")
    start.add_argument("--logs-endpoint-url", metavar="URL",
                       help="also write each function's START/END/REPORT log, in its "
                            "LogFormat, to CloudWatch Logs at URL (e.g. a moto server)")
    url = commands.add_parser("start-url", help="serve each function's Function URL on "
                                                 "127.0.0.1, one port per function")
    url.add_argument("--port", "-p", type=int, default=DEFAULT_URL_PORT,
                     help=f"the first function's port; the next ones follow (default "
                          f"{DEFAULT_URL_PORT}; 0: any free ports)")
    for server in (start, url):
        server.add_argument("--max-concurrency", type=int, default=8,
                            help="execution environments per function; beyond: 429 (default 8)")
        server.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                            help="also answer requests whose Host/Origin is NAME (default: "
                                 "loopback names only, so web pages cannot reach the API)")
    one = commands.add_parser("invoke", help="invoke one function once and print the answer")
    one.add_argument("function", help="a function of the template, by its logical ID")
    one.add_argument("--event", "-e", type=Path,
                     help="JSON event file to send (default: an empty event, {})")
    one.add_argument("--log-result", action="store_true",
                     help="also print the base64 X-Amz-Log-Result")
    args = parser.parse_args(argv)
    args.template = args.template.resolve()
    return args


EXIT_EMULATION_UNAVAILABLE = 4  # the compare tool's code for "cannot run here"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        commands = {"start-lambda": start_lambda, "start-url": start_url, "invoke": invoke}
        return commands[args.command](args)
    except EmulationUnavailable as error:
        if os.environ.get("LOCAL_LAMBDA_DEBUG"):
            raise
        first = str(error).splitlines()[0]
        print(f"error: {first}; or run without --emulate-arm64 (details: LOCAL_LAMBDA_DEBUG=1) "
              "[emulation_unavailable]", file=sys.stderr)
        return EXIT_EMULATION_UNAVAILABLE


if __name__ == "__main__":
    raise SystemExit(main())
