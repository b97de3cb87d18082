"""Every failure a user can cause, as one line that says what to do, with a stable exit code.

`explain` maps what botocore raises to a `UserError`; the command line prints its one line
(a traceback only with --debug). The exit codes are documented in the README.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

EXIT_NOT_MEASURED = 1  # a function answered, but no invocation of it could be measured
EXIT_USAGE = 2  # bad arguments, or --strict refused functions that differ
EXIT_AWS_SETUP = 3  # no region, no credentials, unknown profile
EXIT_UNAVAILABLE = 4  # endpoint unreachable, local runtime or emulation unavailable
EXIT_NOT_FOUND = 5  # function or stack not found, or access denied
EXIT_THROTTLED = 6  # throttled beyond botocore's retries
EXIT_UNSUPPORTED = 7  # the endpoint cannot do what was asked (--memory, --cold-starts)
EXIT_INTERNAL = 70  # a failure of the tool itself (EX_SOFTWARE): a bug to report
EXIT_INTERRUPTED = 130

THROTTLE_CODES = {"TooManyRequestsException", "Throttling", "ThrottlingException",
                  "RequestLimitExceeded"}
DENIED_CODES = {"AccessDeniedException", "AccessDenied", "UnrecognizedClientException",
                "InvalidSignatureException", "ExpiredTokenException", "ExpiredToken",
                "InvalidClientTokenId", "SignatureDoesNotMatch"}
NOT_FOUND_CODES = {"ResourceNotFoundException", "ResourceNotFound"}


class UserError(Exception):
    def __init__(self, code: str, message: str, exit_status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.exit_status = code, message, exit_status

    def line(self) -> str:
        return f"error: {self.message} [{self.code}]"


def explain(error: BaseException, endpoint_url: str | None = None) -> UserError | None:
    """The user-facing form of an AWS/botocore failure; None for anything else (a bug)."""
    if isinstance(error, UserError):
        return error
    if isinstance(error, NoRegionError):
        return UserError("no_region", "no AWS region: pass --region (e.g. --region us-east-1), "
                         "set AWS_REGION, or run `aws configure`", EXIT_AWS_SETUP)
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return UserError("no_credentials", "no AWS credentials: run `aws configure` or set "
                         "AWS_PROFILE; for a local runtime pass --endpoint-url instead",
                         EXIT_AWS_SETUP)
    if isinstance(error, ProfileNotFound):
        return UserError("no_credentials", f"{error}: check --profile or ~/.aws/config",
                         EXIT_AWS_SETUP)
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError)):
        where = endpoint_url or getattr(error, "kwargs", {}).get("endpoint_url", "AWS")
        return UserError("endpoint_unreachable", f"cannot reach {where}: "
                         + reach_advice(endpoint_url), EXIT_UNAVAILABLE)
    if isinstance(error, ClientError):
        return _client_error(error)
    return None


def _client_error(error: ClientError) -> UserError | None:
    details = error.response.get("Error", {})
    code, message = details.get("Code", ""), details.get("Message") or ""
    operation = error.operation_name
    if code in NOT_FOUND_CODES:
        return UserError("function_not_found", f"{operation}: {message or 'function not found'}"
                         " — check the name or ARN, and --region", EXIT_NOT_FOUND)
    if code == "ValidationError" and "does not exist" in message:
        return UserError("stack_not_found", f"{message} — check --stack-name and --region",
                         EXIT_NOT_FOUND)
    if code in DENIED_CODES:
        return UserError("access_denied", f"{operation} refused ({code}): the credentials need "
                         "lambda:GetFunction, lambda:InvokeFunction, lambda:Get/"
                         "UpdateFunctionConfiguration (and cloudformation:DescribeStacks for "
                         "--stack-name)", EXIT_NOT_FOUND)
    if code in THROTTLE_CODES:
        return UserError("throttled", f"{operation} throttled beyond retries ({code}): lower "
                         "--concurrency, or raise the account's or function's concurrency",
                         EXIT_THROTTLED)
    return None


def reach_advice(endpoint_url: str | None) -> str:
    if endpoint_url:
        return ("nothing answers there; start the local runtime (`make start-lambda`, port "
                "3001) or `sam local start-lambda`, or correct --endpoint-url")
    return "check the network and --region"


def is_loopback(endpoint_url: str | None) -> bool:
    host = urlsplit(endpoint_url).hostname if endpoint_url else None
    return host in ("127.0.0.1", "localhost", "::1") or bool(host and host.startswith("127."))
