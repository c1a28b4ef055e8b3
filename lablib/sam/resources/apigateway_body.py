"""Importing a REST API ``Body`` (Swagger 2 / OpenAPI 3 with API Gateway's extensions) into the
local API Gateway, as AWS's importer does: methods with their API-key requirement
(``security`` naming an ``api_key`` scheme), authorizers (``x-amazon-apigateway-authorizer``
security schemes), request validators (``x-amazon-apigateway-request-validators`` and
``-request-validator``), models (``definitions`` / ``components.schemas``) and request models,
required request parameters, method responses, and the whole
``x-amazon-apigateway-integration`` (credentials, request parameters and templates,
passthrough, content handling, timeout, cache keys, integration responses), gateway responses
and binary media types.
"""

from __future__ import annotations

import json
from typing import Any

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
ANY = "x-amazon-apigateway-any-method"


def _models(document: dict[str, Any]) -> dict[str, Any]:
    found = dict(document.get("definitions") or {})
    found.update((document.get("components") or {}).get("schemas") or {})
    return found


def _schemes(document: dict[str, Any]) -> dict[str, Any]:
    found = dict(document.get("securityDefinitions") or {})
    found.update((document.get("components") or {}).get("securitySchemes") or {})
    return found


def _model_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def import_body(backend: Any, api: Any, document: dict[str, Any]) -> None:
    """Create everything ``document`` describes in the (empty) API ``api``."""
    for media in document.get("x-amazon-apigateway-binary-media-types") or []:
        if media not in api.binaryMediaTypes:
            api.binaryMediaTypes.append(str(media))
    for name, schema in _models(document).items():
        backend.create_model(
            api.id,
            name=name,
            content_type="application/json",
            description="",
            schema=json.dumps(schema),
        )
    validators: dict[str, str] = {}
    for name, spec in (document.get("x-amazon-apigateway-request-validators") or {}).items():
        made = backend.create_request_validator(
            api.id,
            name,
            bool(spec.get("validateRequestBody")),
            bool(spec.get("validateRequestParameters")),
        )
        validators[name] = made.id
    default_validator = document.get("x-amazon-apigateway-request-validator")
    authorizers: dict[str, str] = {}
    api_key_schemes: set[str] = set()
    for name, scheme in _schemes(document).items():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            if not scheme.get("x-amazon-apigateway-authorizer"):
                api_key_schemes.add(name)
                continue
        spec = scheme.get("x-amazon-apigateway-authorizer")
        if isinstance(spec, dict):
            kind = str(spec.get("type", "token")).upper()
            kind = "COGNITO_USER_POOLS" if kind == "COGNITO_USER_POOLS" else kind
            source = spec.get("identitySource") or (
                f"method.request.header.{scheme.get('name', 'Authorization')}"
            )
            made = backend.create_authorizer(
                api.id,
                name,
                kind,
                provider_arns=spec.get("providerARNs"),
                auth_type=scheme.get("x-amazon-apigateway-authtype"),
                authorizer_uri=spec.get("authorizerUri"),
                authorizer_credentials=spec.get("authorizerCredentials"),
                identity_source=source,
                identiy_validation_expression=spec.get("identityValidationExpression"),
                authorizer_result_ttl=spec.get("authorizerResultTtlInSeconds", 300),
            )
            authorizers[name] = made.id
    top_security = document.get("security") or []
    for path in sorted(document.get("paths") or {}):
        item = document["paths"][path] or {}
        resource = _resource(backend, api, path)
        shared = list(item.get("parameters") or [])
        for verb, operation in item.items():
            if verb.lower() not in METHODS and verb != ANY:
                continue
            method = "ANY" if verb == ANY else verb.upper()
            _method(
                backend,
                api,
                resource.id,
                method,
                operation or {},
                shared,
                top_security,
                api_key_schemes,
                authorizers,
                validators,
                default_validator,
            )
    for kind, spec in (document.get("x-amazon-apigateway-gateway-responses") or {}).items():
        backend.put_gateway_response(
            api.id,
            response_type=kind,
            status_code=spec.get("statusCode"),
            response_parameters=spec.get("responseParameters"),
            response_templates=spec.get("responseTemplates"),
        )


def _resource(backend: Any, api: Any, path: str) -> Any:
    parent = api.get_resource_for_path("/")
    walked = ""
    for part in [p for p in path.split("/") if p]:
        walked += "/" + part
        found = api.get_resource_for_path(walked)
        parent = found or backend.create_resource(api.id, parent.id, part)
    return parent


def _method(
    backend: Any,
    api: Any,
    resource_id: str,
    method: str,
    operation: dict[str, Any],
    shared: list[Any],
    top_security: list[Any],
    api_key_schemes: set[str],
    authorizers: dict[str, str],
    validators: dict[str, str],
    default_validator: Any,
) -> None:
    security = operation.get("security", top_security) or []
    names = {name for requirement in security for name in (requirement or {})}
    authorizer = next((authorizers[n] for n in names if n in authorizers), None)
    params: dict[str, bool] = {}
    for parameter in shared + list(operation.get("parameters") or []):
        where = {"query": "querystring", "header": "header", "path": "path"}.get(
            str(parameter.get("in"))
        )
        if where:
            required = bool(parameter.get("required")) or where == "path"
            params[f"method.request.{where}.{parameter['name']}"] = required
    request_models: dict[str, str] = {}
    for parameter in operation.get("parameters") or []:
        if parameter.get("in") == "body" and "$ref" in (parameter.get("schema") or {}):
            request_models["application/json"] = _model_name(parameter["schema"]["$ref"])
    content = ((operation.get("requestBody") or {}).get("content")) or {}
    for media, spec in content.items():
        ref = (spec.get("schema") or {}).get("$ref")
        if ref:
            request_models[media] = _model_name(ref)
    validator_name = operation.get("x-amazon-apigateway-request-validator", default_validator)
    backend.put_method(
        api.id,
        resource_id,
        method,
        "CUSTOM" if authorizer else ("AWS_IAM" if "sigv4" in names else "NONE"),
        api_key_required=bool(names & api_key_schemes),
        request_parameters=params or None,
        request_models=request_models or None,
        operation_name=operation.get("operationId"),
        authorizer_id=authorizer,
        request_validator_id=validators.get(validator_name) if validator_name else None,
    )
    for status, spec in (operation.get("responses") or {}).items():
        if str(status).isdigit():
            headers = (spec or {}).get("headers") or {}
            backend.put_method_response(
                api.id,
                resource_id,
                method,
                str(status),
                None,
                {f"method.response.header.{h}": False for h in headers} or None,
            )
    integration = operation.get("x-amazon-apigateway-integration")
    if not isinstance(integration, dict):
        return
    backend.put_integration(
        api.id,
        resource_id,
        method,
        str(integration.get("type", "aws_proxy")).upper(),
        integration.get("uri", ""),
        integration_method=integration.get("httpMethod", "POST"),
        credentials=integration.get("credentials"),
        request_templates=integration.get("requestTemplates"),
        passthrough_behavior=str(integration.get("passthroughBehavior", "WHEN_NO_MATCH")).upper(),
        timeout_in_millis=integration.get("timeoutInMillis"),
        request_parameters=integration.get("requestParameters"),
        content_handling=integration.get("contentHandling"),
        cache_namespace=integration.get("cacheNamespace"),
        connection_type=integration.get("connectionType"),
    )
    keys = integration.get("cacheKeyParameters")
    if keys:
        backend.get_integration(api.id, resource_id, method).cache_key_parameters = list(keys)
    for pattern, spec in (integration.get("responses") or {}).items():
        spec = spec or {}
        backend.put_integration_response(
            api.id,
            resource_id,
            method,
            str(spec.get("statusCode", "200")),
            None if pattern == "default" else pattern,
            spec.get("responseTemplates"),
            spec.get("responseParameters"),
            content_handling=spec.get("contentHandling"),
        )
