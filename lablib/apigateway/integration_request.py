"""Step 6: build what the backend receives: the Lambda proxy event, or the body rendered by
the request mapping template chosen by Content-Type (with passthrough behaviour)."""

from __future__ import annotations

import base64
from typing import Any

from lablib.apigateway import vtl
from lablib.apigateway.context import NO_CALLER, Call
from lablib.apigateway.errors import GatewayError
from lablib.apigateway.model import IntegrationSpec

PROXY_TYPES = ("AWS_PROXY", "HTTP_PROXY")
DEFAULT_CONTENT_TYPE = "application/json"


def _or_none(value: dict[str, Any]) -> dict[str, Any] | None:
    return value or None


def proxy_event(call: Call) -> dict[str, Any]:
    """The REST API (payload format 1.0) Lambda proxy event; absent maps are null."""
    req = call.request
    body: str | None = None
    encoded = False
    binary_types = call.api.binary_media_types if call.api else ()
    if req.body:
        if media_type_matches(req.header("Content-Type"), binary_types):
            body, encoded = base64.b64encode(req.body).decode(), True
        else:
            try:
                body = req.body.decode("utf-8")
            except UnicodeDecodeError:
                body = base64.b64encode(req.body).decode()
                encoded = True
    # ``$context`` as the event shows it (context_vars() builds more than the event needs).
    identity: dict[str, Any] = {
        "sourceIp": req.source_ip,
        "userAgent": req.header("User-Agent"),
        **NO_CALLER,
    }
    path = req.original_path or req.path
    if call.api_key_value is not None:
        identity["apiKey"] = call.api_key_value
        identity["apiKeyId"] = call.api_key_id
    request_context: dict[str, Any] = {
        "resourceId": call.resource.id if call.resource else None,
        "resourcePath": call.resource_path,
        "httpMethod": req.method,
        "extendedRequestId": call.extended_request_id,
        "requestTime": call.request_time(),
        "path": f"/{req.stage}{path}",
        "accountId": call.account,
        "protocol": "HTTP/1.1",
        "stage": req.stage,
        "domainPrefix": req.api_id,
        "requestTimeEpoch": call.epoch_ms,
        "requestId": call.request_id,
        "identity": identity,
        "domainName": call.domain_name(),
        "deploymentId": call.api.deployment_id if call.api else None,
        "apiId": req.api_id,
    }
    if call.authorizer is not None or call.principal_id is not None:
        request_context["authorizer"] = call.authorizer_context()
    return {
        "resource": call.resource_path,
        "path": path,
        "httpMethod": req.method,
        "headers": _or_none(req.header_map()),
        "multiValueHeaders": _or_none(req.multi_headers()),
        "queryStringParameters": _or_none(req.query_map()),
        "multiValueQueryStringParameters": _or_none(req.multi_query()),
        "pathParameters": _or_none(dict(call.path_params)),
        "stageVariables": _or_none(dict(call.variables)),
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": encoded,
    }


def media_type_matches(content_type: str | None, patterns: tuple[str, ...]) -> bool:
    """Does a Content-Type (or the first Accept type) match one of binaryMediaTypes?
    Patterns may use wildcards (``image/*``, ``*/*``), as API Gateway's do."""
    if not content_type or not patterns:
        return False
    wanted = content_type.split(",")[0].split(";")[0].strip().lower()
    if not wanted:
        return False
    major, _, minor = wanted.partition("/")
    for pattern in patterns:
        p_major, _, p_minor = pattern.strip().lower().partition("/")
        if p_major in ("*", major) and p_minor in ("*", minor):
            return True
    return False


def template_params(call: Call) -> dict[str, dict[str, str]]:
    req = call.request
    return {
        "path": dict(call.path_params),
        "querystring": req.query_map(),
        "header": req.header_map(),
    }


def content_type(call: Call) -> str:
    raw = call.request.header("Content-Type") or DEFAULT_CONTENT_TYPE
    return raw.split(";", 1)[0].strip().lower() or DEFAULT_CONTENT_TYPE


def select_template(call: Call, integration: IntegrationSpec) -> str | None:
    """The template to render, None to pass the body through; 415 per passthrough rules."""
    templates = {k.lower(): v for k, v in integration.templates.items()}
    wanted = content_type(call)
    if wanted in templates:
        return templates[wanted] or ""
    behaviour = integration.passthrough
    if behaviour == "NEVER" or (behaviour == "WHEN_NO_TEMPLATES" and templates):
        raise GatewayError(
            "UNSUPPORTED_MEDIA_TYPE",
            f"no request template for Content-Type {wanted} and passthrough behaviour {behaviour}",
        )
    return None


def build(call: Call, integration: IntegrationSpec) -> bytes:
    """The integration request body (for proxy integrations, see ``proxy_event``)."""
    source = select_template(call, integration)
    if source is None:
        call.info("Endpoint request body after transformations: (passthrough)")
        return call.request.body
    try:
        rendered = vtl.render(
            source,
            call.request.body,
            template_params(call),
            _context_with_overrides(call),
            call.variables,
        )
    except vtl.TemplateProblem as exc:
        raise GatewayError(
            "API_CONFIGURATION_ERROR",
            f"Execution failed due to configuration error: request template: {exc}",
        ) from None
    call.info(f"Endpoint request body after transformations: {rendered[:1000]}")
    return rendered.encode()


def _context_with_overrides(call: Call) -> dict[str, Any]:
    ctx = call.context_vars()
    return ctx
