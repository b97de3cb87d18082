"""Change a function's configuration for a measurement, and always put it back.

Forcing a cold start changes a harmless environment variable (a new configuration means new
execution environments); a memory sweep changes MemorySize. Each change waits until Lambda
reports LastUpdateStatus Successful. The original configuration is restored on exit, also
after an error or Ctrl-C, and the restore is verified.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

NONCE_VARIABLE = "COMPARE_COLD_START_NONCE"
POLL_SECONDS = 1.0
WAIT_SECONDS = 300.0


class ConfigurationError(RuntimeError):
    pass


class ConfigurationGuard:
    def __init__(self, client: LambdaClient, function: str, poll_seconds: float = POLL_SECONDS,
                 wait_seconds: float = WAIT_SECONDS) -> None:
        self.client = client
        self.function = function
        self.poll_seconds = poll_seconds
        self.wait_seconds = wait_seconds
        original = client.get_function_configuration(FunctionName=function)
        self.original_memory = int(original["MemorySize"])
        self.original_variables = dict((original.get("Environment") or {}).get("Variables") or {})
        self.memory = self.original_memory
        self.variables = dict(self.original_variables)
        self.changed = False

    def __enter__(self) -> ConfigurationGuard:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.restore()

    def set_memory(self, memory_mb: int) -> None:
        if memory_mb != self.memory:
            self._update(MemorySize=memory_mb)
            self.memory = memory_mb

    def force_cold_start(self) -> None:
        variables = {**self.variables, NONCE_VARIABLE: uuid.uuid4().hex}
        self._update(Environment={"Variables": variables})
        self.variables = variables

    def restore(self) -> None:
        if not self.changed:
            return
        self._update(MemorySize=self.original_memory,
                     Environment={"Variables": self.original_variables})
        self.memory, self.variables = self.original_memory, dict(self.original_variables)
        now = self.client.get_function_configuration(FunctionName=self.function)
        restored = (int(now["MemorySize"]) == self.original_memory and
                    dict((now.get("Environment") or {}).get("Variables") or {})
                    == self.original_variables)
        if not restored:
            raise ConfigurationError(f"{self.function} was not restored to its original "
                                     "configuration; check it by hand")
        self.changed = False

    def _update(self, **changes: Any) -> None:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                self.client.update_function_configuration(FunctionName=self.function, **changes)
                break
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                if code != "ResourceConflictException" or time.monotonic() > deadline:
                    raise
                time.sleep(self.poll_seconds)  # another update is still in progress
        self.changed = True
        self.wait_until_updated(deadline)

    def wait_until_updated(self, deadline: float) -> None:
        while True:
            config = self.client.get_function_configuration(FunctionName=self.function)
            status = config.get("LastUpdateStatus", "Successful")
            if status == "Successful":
                return
            if status == "Failed":
                raise ConfigurationError(f"updating {self.function} failed: "
                                         f"{config.get('LastUpdateStatusReason')}")
            if time.monotonic() > deadline:
                raise ConfigurationError(f"{self.function} is still updating after "
                                         f"{self.wait_seconds:.0f} s")
            time.sleep(self.poll_seconds)
