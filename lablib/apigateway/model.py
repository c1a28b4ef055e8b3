"""Plain, frozen views of an API's configuration, as a deployment snapshotted it.

``lablib.aws.moto_bridge.apigateway`` builds these from moto's objects; the handler chain
only ever reads these (cheap attribute access, no moto, no boto3 on the request path).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_TIMEOUT_MS = 29_000


@dataclass(frozen=True)
class IntegrationResponseSpec:
    status_code: str
    selection_pattern: str | None
    templates: dict[str, str | None]
    parameters: dict[str, str]


@dataclass(frozen=True)
class IntegrationSpec:
    type: str  # AWS_PROXY | AWS | HTTP | HTTP_PROXY | MOCK
    uri: str
    http_method: str | None
    passthrough: str  # WHEN_NO_MATCH | WHEN_NO_TEMPLATES | NEVER
    templates: dict[str, str | None]
    parameters: dict[str, str]
    timeout_ms: int
    credentials: str | None
    cache_key_parameters: tuple[str, ...]
    responses: dict[str, IntegrationResponseSpec]


@dataclass(frozen=True)
class MethodSpec:
    http_method: str
    authorization_type: str  # NONE | AWS_IAM | CUSTOM | COGNITO_USER_POOLS
    authorizer_id: str | None
    api_key_required: bool
    request_parameters: dict[str, bool]
    response_parameters: dict[str, dict[str, bool]]  # status -> declared parameters
    integration: IntegrationSpec | None
    validate_body: bool = False  # from the method's request validator
    validate_parameters: bool = False
    request_models: dict[str, Any] = field(default_factory=dict)  # content type -> JSON schema


@dataclass(frozen=True)
class ResourceSpec:
    id: str
    path: str  # e.g. /orders/{orderId}
    methods: dict[str, MethodSpec]


@dataclass(frozen=True)
class AuthorizerSpec:
    id: str
    name: str
    type: str  # TOKEN | REQUEST | COGNITO_USER_POOLS
    uri: str
    identity_source: str
    validation_expression: str | None
    ttl_s: int


@dataclass(frozen=True)
class GatewayResponseSpec:
    type: str
    status_code: str | None
    parameters: dict[str, str]
    templates: dict[str, str]


@dataclass(frozen=True)
class ApiSnapshot:
    api_id: str
    name: str
    deployment_id: str
    resources: tuple[ResourceSpec, ...]
    authorizers: dict[str, AuthorizerSpec]
    gateway_responses: dict[str, GatewayResponseSpec]
    api_key_source: str  # HEADER | AUTHORIZER
    policy: dict[str, Any] | None
    binary_media_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class CanarySpec:
    deployment_id: str
    percent: float
    variable_overrides: dict[str, str] = field(default_factory=dict)
    use_stage_cache: bool = False


@dataclass(frozen=True)
class StageView:
    name: str
    deployment_id: str | None
    variables: dict[str, str]
    method_settings: dict[str, dict[str, Any]]  # "resourcePath/METHOD" or "*/*"
    cache_enabled: bool
    access_log: dict[str, str] | None
    canary: CanarySpec | None = None


@dataclass(frozen=True)
class UsagePlanView:
    id: str
    name: str
    throttle: dict[str, Any]  # rateLimit, burstLimit
    quota: dict[str, Any]  # limit, period, offset
    method_throttle: dict[str, dict[str, Any]]  # "/path/METHOD" -> throttle
    key_ids: frozenset[str]


@dataclass(frozen=True)
class ApiKeyView:
    id: str
    value: str
    enabled: bool
