"""Plain data the runtime works with. The runtime never sees moto objects, only these."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

PYTHON_RUNTIMES = frozenset(
    {"python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14"}
)
CUSTOM_RUNTIMES = frozenset({"provided", "provided.al2", "provided.al2023"})
NODE_RUNTIMES = frozenset({"nodejs20.x", "nodejs22.x", "nodejs24.x"})  # where node is installed
# Every runtime id AWS accepts today (deprecated ones included, as AWS still stores them).
KNOWN_RUNTIMES = (
    PYTHON_RUNTIMES
    | CUSTOM_RUNTIMES
    | NODE_RUNTIMES
    | frozenset(
        {
            "nodejs18.x",
            "java8.al2",
            "java11",
            "java17",
            "java21",
            "java25",
            "dotnet8",
            "dotnet10",
            "ruby3.2",
            "ruby3.3",
            "ruby3.4",
            "python3.8",
            "nodejs16.x",
            "go1.x",
        }
    )
)

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024  # request payload, bytes
MAX_SYNC_RESPONSE = 6_291_556  # response payload, bytes (as AWS reports it)
MAX_ASYNC_PAYLOAD = 1024 * 1024  # 1 MB since October 2025 (was 256 KB)
# A Python worker starts each line of its output with this and 13 digits of epoch ms: the
# time the line was written, which becomes its log event's timestamp.
LINE_STAMP = b"\x00\x01"
ACCOUNT_LIMITS = {  # GetAccountSettings defaults (per Region)
    "TotalCodeSize": 80_530_636_800,
    "CodeSizeUnzipped": 262_144_000,
    "CodeSizeZipped": 52_428_800,
    "ConcurrentExecutions": 1000,
}


@dataclass(frozen=True)
class Layer:
    arn: str
    sha: str
    load: Callable[[], bytes] = field(compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class FunctionConfig:
    """One function version as the runtime needs it."""

    name: str
    unqualified_arn: str
    version: str  # "$LATEST" or a number
    region: str
    account: str
    runtime: str
    handler: str
    memory_mb: int
    timeout_s: float
    code_sha: str
    load_code: Callable[[], bytes] = field(compare=False, hash=False, repr=False)
    env_vars: tuple[tuple[str, str], ...] = ()
    layers: tuple[Layer, ...] = ()
    reserved_concurrency: int | None = None
    ephemeral_mb: int = 512
    log_group: str = ""
    log_format: str = "Text"  # LoggingConfig.LogFormat: Text or JSON
    app_log_level: str | None = None  # LoggingConfig.ApplicationLogLevel (JSON only)
    system_log_level: str | None = None  # LoggingConfig.SystemLogLevel (JSON only)

    @functools.cached_property
    def fingerprint(self) -> str:
        parts = [
            self.unqualified_arn,
            self.version,
            self.code_sha,
            self.runtime,
            self.handler,
            str(self.memory_mb),
            str(self.timeout_s),
            repr(self.env_vars),
            ",".join(layer.sha for layer in self.layers),
            f"{self.log_format}/{self.app_log_level}",
        ]
        return hashlib.sha1("\0".join(parts).encode()).hexdigest()

    @property
    def version_arn(self) -> str:
        return f"{self.unqualified_arn}:{self.version}"


@dataclass
class InvokeResult:
    request_id: str
    payload: bytes
    executed_version: str
    function_error: str | None = None  # "Unhandled" when the handler failed
    error_type: str | None = None
    log_tail: str | None = None  # base64 of the last 4 KB, when LogType=Tail
    duration_ms: float = 0.0
    billed_ms: int = 0
    init_ms: float | None = None
    max_memory_mb: int = 0
    cold: bool = False


class Throttled(Exception):
    """Invocation refused for concurrency (HTTP 429)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class ServiceError(Exception):
    """The local Lambda service itself failed (HTTP 500 ServiceException)."""


class RuntimeUnavailable(Exception):
    """The function's runtime cannot run in this local lab."""


class LogSink(Protocol):
    def put(
        self, account: str, region: str, group: str, stream: str, events: list[tuple[int, str]]
    ) -> None: ...  # noqa: E501

    def put_chunks(
        self,
        account: str,
        region: str,
        group: str,
        stream: str,
        chunks: list[list[tuple[int, str]]],
    ) -> list[Exception]:
        """Each chunk stored as one ``put`` would; the problems of those that were not."""
        ...


class MetricSink(Protocol):
    def put(
        self, account: str, region: str, namespace: str, data: list[dict[str, Any]]
    ) -> None: ...  # noqa: E501

    def put_chunks(
        self, account: str, region: str, namespace: str, chunks: list[list[dict[str, Any]]]
    ) -> list[Exception]:
        """Each chunk stored as one ``put`` would; the problems of those that were not."""
        ...
