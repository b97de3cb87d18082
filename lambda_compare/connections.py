"""Clients for AWS or a local endpoint, made once from the command line's options: Lambda and
CloudFormation for measuring, CloudWatch Logs for --from-logs. Each fails at once, in one line,
on what is missing (region, credentials, an endpoint that does not answer)."""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore.exceptions import NoCredentialsError, NoRegionError

from .errors import EXIT_UNAVAILABLE, EXIT_USAGE, UserError, reach_advice
from .options import Options

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_lambda import LambdaClient


def clients(options: Options) -> tuple[LambdaClient, CloudFormationClient]:
    """Lambda and CloudFormation clients; fails at once, in one line, on what is missing."""
    from botocore.config import Config

    session, region, extra = _connection(options, options.endpoint_url)
    # Each read may wait as long as the whole invocation; --invoke-timeout bounds the total.
    config = Config(retries={"mode": "standard", "max_attempts": 5},
                    read_timeout=options.invoke_timeout, connect_timeout=5,
                    max_pool_connections=max(10, options.concurrency * 2))
    lambda_client = session.client("lambda", region_name=region, config=config, **extra)
    cloudformation = session.client("cloudformation", region_name=region, config=config)
    return lambda_client, cloudformation


def _connection(options: Options, endpoint_url: str | None
                ) -> tuple[Any, str, dict[str, Any]]:
    """Session, region and client arguments for AWS, or for a local endpoint (checked
    reachable in seconds; it checks no signature, so any credentials do)."""
    import boto3

    session = boto3.Session(profile_name=options.profile)
    region = options.region or session.region_name
    extra: dict[str, Any] = {}
    if endpoint_url:
        check_reachable(endpoint_url)
        region = region or "us-east-1"
        extra["endpoint_url"] = endpoint_url
        if session.get_credentials() is None:
            extra.update(aws_access_key_id="local", aws_secret_access_key="local")
    else:
        if region is None:
            raise NoRegionError()
        if session.get_credentials() is None:
            raise NoCredentialsError()
    return session, region, extra


# boto3 reads AWS_ENDPOINT_URL_CLOUDWATCH_LOGS (the service's id) and AWS_ENDPOINT_URL; the
# shorter AWS_ENDPOINT_URL_LOGS, which other tools use, is read here too.
LOGS_ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_LOGS", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
                           "AWS_ENDPOINT_URL")


def logs_client(options: Options) -> Any:
    """CloudWatch Logs: --logs-endpoint-url, else the environment's endpoint variables, else
    --endpoint-url, else AWS."""
    from botocore.config import Config

    from_environment = next((os.environ[name] for name in LOGS_ENDPOINT_VARIABLES
                             if os.environ.get(name)), None)
    endpoint = options.logs_endpoint_url or from_environment or options.endpoint_url
    session, region, extra = _connection(options, endpoint)
    config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5,
                    read_timeout=60)
    return session.client("logs", region_name=region, config=config, **extra)


def check_reachable(endpoint_url: str, timeout: float = 2.0) -> None:
    """Fail in seconds, not after botocore's retries, when nothing listens at the endpoint."""
    parts = urlsplit(endpoint_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError("bad_endpoint", f"--endpoint-url {endpoint_url!r} is not an http(s) "
                        "URL, e.g. http://127.0.0.1:3001", EXIT_USAGE)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise UserError("endpoint_unreachable", f"cannot reach {endpoint_url} ({reason}): "
                        + reach_advice(endpoint_url), EXIT_UNAVAILABLE) from None
