"""What flows through the handler chain: the parsed request, what each handler decided,
and the response being built."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from lablib.apigateway import ids
from lablib.apigateway.model import ApiSnapshot, MethodSpec, ResourceSpec, StageView

# ``$context.identity`` of a caller API Gateway did not authenticate with IAM or Cognito.
NO_CALLER: dict[str, Any] = {
    "accountId": None,
    "caller": None,
    "user": None,
    "userArn": None,
    "accessKey": None,
    "cognitoIdentityId": None,
    "cognitoIdentityPoolId": None,
    "cognitoAuthenticationType": None,
    "cognitoAuthenticationProvider": None,
    "principalOrgId": None,
}


@dataclass
class Request:
    method: str
    path: str  # the resource path the client asked for, e.g. /orders/42 ("/" at the root)
    raw_path: str
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]  # names as the client sent them
    body: bytes
    source_ip: str
    api_id: str
    stage: str
    original_path: str = ""  # as asked, a trailing slash kept (the proxy event shows it)

    # Lower-cased name -> last value, built on the first ``header`` call (for these headers).
    _index: tuple[list[tuple[str, str]], int, dict[str, str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def header(self, name: str) -> str | None:
        """The last value of a header (any spelling of its name), or None."""
        index = self._index
        headers = self.headers
        if index is None or index[0] is not headers or index[1] != len(headers):
            index = self._index = (headers, len(headers), {k.lower(): v for k, v in headers})
        return index[2].get(name.lower())

    def header_map(self) -> dict[str, str]:
        """Single-value headers (the last value wins), names as sent."""
        return {key: value for key, value in self.headers}

    def multi_headers(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for key, value in self.headers:
            result.setdefault(key, []).append(value)
        return result

    def query_map(self) -> dict[str, str]:
        return {key: value for key, value in self.query}

    def multi_query(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for key, value in self.query:
            result.setdefault(key, []).append(value)
        return result


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass
class IntegrationResult:
    """What the backend answered, before integration-response mapping."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    error_message: str | None = None  # Lambda function error (non-proxy selection)
    function_error: bool = False


@dataclass
class Call:
    request: Request
    request_id: str
    account: str
    region: str
    started: float = field(default_factory=time.perf_counter)
    # AWS's extendedRequestId is its own id (16 characters, base64-like), not the requestId.
    extended_request_id: str = field(default_factory=ids.extended_request_id)
    started_epoch: float = field(default_factory=time.time)
    api: ApiSnapshot | None = None
    stage: StageView | None = None
    variables: dict[str, str] = field(default_factory=dict)
    canary: bool = False
    resource: ResourceSpec | None = None
    method: MethodSpec | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    api_key_id: str | None = None
    api_key_value: str | None = None
    usage_plan_id: str | None = None
    authorizer: dict[str, Any] | None = None  # principalId + context
    principal_id: str | None = None
    authorizer_key: str | None = None  # usageIdentifierKey from a Lambda authorizer
    integration_latency_ms: float | None = None
    cache_hit: bool | None = None
    cache_key: str | None = None
    cache_ttl_s: int = 0
    integration_request: bytes | None = None
    integration_status: int | None = None
    response_override: dict[str, Any] = field(default_factory=dict)
    error: dict[str, str] = field(default_factory=dict)  # $context.error.*
    log: list[str] = field(default_factory=list)
    error_log: list[str] = field(default_factory=list)

    def info(self, line: str) -> None:
        self.log.append(line)

    def fail(self, line: str) -> None:
        self.log.append(line)
        self.error_log.append(line)

    @property
    def resource_path(self) -> str:
        return self.resource.path if self.resource is not None else self.request.path

    @property
    def http_method(self) -> str:
        return self.request.method

    def source_arn(self) -> str:
        path = self.resource_path
        return (
            f"arn:aws:execute-api:{self.region}:{self.account}:{self.request.api_id}/"
            f"{self.request.stage}/{self.request.method}{path}"
        )

    def authorizer_context(self) -> dict[str, Any]:
        """``$context.authorizer``: the authorizer's context and principalId."""
        authorizer = dict(self.authorizer or {})
        if self.principal_id is not None:
            authorizer["principalId"] = self.principal_id
        return authorizer

    @property
    def epoch_ms(self) -> int:
        return int(self.started_epoch * 1000)

    def request_time(self) -> str:
        """``$context.requestTime``, e.g. ``03/Dec/2026:22:30:00 +0000``."""
        return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(self.epoch_ms / 1000))

    def domain_name(self) -> str:
        return f"{self.request.api_id}.execute-api.{self.region}.amazonaws.com"

    def context_vars(self) -> dict[str, Any]:
        """``$context`` for templates and access logs."""
        req = self.request
        identity = {
            "sourceIp": req.source_ip,
            "userAgent": req.header("User-Agent"),
            "apiKey": self.api_key_value,
            "apiKeyId": self.api_key_id,
            **NO_CALLER,
            "clientCert": None,
        }
        epoch_ms = self.epoch_ms
        return {
            "accountId": self.account,
            "apiId": req.api_id,
            "stage": req.stage,
            "requestId": self.request_id,
            "extendedRequestId": self.extended_request_id,
            "resourceId": self.resource.id if self.resource else None,
            "resourcePath": self.resource_path,
            "httpMethod": req.method,
            "path": f"/{req.stage}{req.path}",
            "protocol": "HTTP/1.1",
            "domainName": self.domain_name(),
            "domainPrefix": req.api_id,
            "requestTime": self.request_time(),
            "requestTimeEpoch": epoch_ms,
            "identity": identity,
            "authorizer": self.authorizer_context(),
            "error": {
                "message": self.error.get("message", ""),
                "messageString": self.error.get("messageString", '""'),
                "responseType": self.error.get("responseType", ""),
            },
            "status": self.error.get("status", ""),
            "isCanaryRequest": self.canary,
            "requestOverride": {"header": {}, "path": {}, "querystring": {}},
            "responseOverride": self.response_override,
        }
