"""OpenAPI export of a deployed stage (GetExport), with API Gateway's extensions
(``x-amazon-apigateway-integration``, API key security) when ``extensions=integrations``
or ``extensions=apigateway`` is asked for, as AWS does. moto's own exporter ignores the
extensions and loses every integration; this one keeps them so an export re-imports."""

from __future__ import annotations

import re
from typing import Any

from lablib.apigateway.model import ApiSnapshot, IntegrationSpec, MethodSpec


def _integration(spec: IntegrationSpec) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": spec.type.lower(),
        "uri": spec.uri,
        "passthroughBehavior": spec.passthrough.lower(),
        "timeoutInMillis": spec.timeout_ms,
    }
    if spec.http_method:
        out["httpMethod"] = spec.http_method
    if spec.templates:
        out["requestTemplates"] = dict(spec.templates)
    if spec.parameters:
        out["requestParameters"] = dict(spec.parameters)
    if spec.cache_key_parameters:
        out["cacheKeyParameters"] = list(spec.cache_key_parameters)
    if spec.credentials:
        out["credentials"] = spec.credentials
    responses = {}
    for response in spec.responses.values():
        entry: dict[str, Any] = {"statusCode": response.status_code}
        if response.templates:
            entry["responseTemplates"] = dict(response.templates)
        if response.parameters:
            entry["responseParameters"] = dict(response.parameters)
        responses[response.selection_pattern or "default"] = entry
    if responses:
        out["responses"] = responses
    return out


def _operation(method: MethodSpec, path: str, oas3: bool, extensions: bool) -> dict[str, Any]:
    operation: dict[str, Any] = {}
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema" if oas3 else "type": {"type": "string"} if oas3 else "string",
        }
        for name in re.findall(r"\{([^}+]+)\+?\}", path)
    ]
    if params:
        operation["parameters"] = params
    codes = sorted(method.response_parameters) or ["200"]
    operation["responses"] = {code: {"description": f"{code} response"} for code in codes}
    if extensions:
        if method.api_key_required:
            operation["security"] = [{"api_key": []}]
        if method.integration is not None:
            operation["x-amazon-apigateway-integration"] = _integration(method.integration)
    return operation


def export_document(
    api: ApiSnapshot, kind: str, stage: str, region: str, extensions: str, variables: dict[str, str]
) -> dict[str, Any]:
    oas3 = kind == "oas30"
    with_ext = any(
        e.strip() in ("integrations", "apigateway", "authorizers") for e in extensions.split(",")
    )
    paths: dict[str, Any] = {}
    for resource in sorted(api.resources, key=lambda r: r.path):
        if not resource.methods:
            continue
        paths[resource.path] = {
            name.lower() if name != "ANY" else "x-amazon-apigateway-any-method": _operation(
                method, resource.path, oas3, with_ext
            )
            for name, method in sorted(resource.methods.items())
        }
    host = f"{api.api_id}.execute-api.{region}.amazonaws.com"
    info = {"title": api.name, "version": api.deployment_id, "description": f"{api.name} ({stage})"}
    document: dict[str, Any]
    if oas3:
        document = {
            "openapi": "3.0.1",
            "info": info,
            "servers": [
                {
                    "url": f"https://{host}/{{basePath}}",
                    "variables": {"basePath": {"default": stage}},
                }
            ],
            "paths": paths,
        }
        if with_ext:
            document["components"] = {
                "securitySchemes": {
                    "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}
                }
            }
    else:
        document = {
            "swagger": "2.0",
            "info": info,
            "host": host,
            "basePath": f"/{stage}",
            "schemes": ["https"],
            "paths": paths,
        }
        if with_ext:
            document["securityDefinitions"] = {
                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}
            }
    if with_ext and api.api_key_source != "HEADER":
        document["x-amazon-apigateway-api-key-source"] = api.api_key_source
    return document


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "any")


class ImportProblem(ValueError):
    """An OpenAPI document that cannot be imported (the message says what to fix)."""


def normalise_import(body: bytes) -> bytes:
    """Prepare an OpenAPI 3 / Swagger 2 document for moto's importer: parse JSON or YAML,
    check the parts AWS requires, turn Swagger 2 into the OpenAPI 3 shape moto reads, map
    ``x-amazon-apigateway-any-method`` to ANY, and drop path-level keys that are not
    methods. Raises ImportProblem with a clear message."""
    import json

    import yaml

    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        raise ImportProblem("Invalid OpenAPI input: the body is empty")
    try:
        document = json.loads(text) if text.startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ImportProblem(f"Invalid OpenAPI input: not JSON or YAML ({exc})") from None
    if not isinstance(document, dict):
        raise ImportProblem("Invalid OpenAPI input: the document must be an object")
    version = str(document.get("openapi") or document.get("swagger") or "")
    if not version.startswith(("3.", "2.")):
        raise ImportProblem(
            "Invalid OpenAPI input: missing 'openapi: 3.0.x' (or 'swagger: \"2.0\"') at the top"
        )
    info = document.get("info")
    if not isinstance(info, dict) or not info.get("title"):
        raise ImportProblem("Invalid OpenAPI input: info.title is required (it names the API)")
    info.setdefault("description", "")
    paths = document.get("paths")
    if not isinstance(paths, dict):
        raise ImportProblem("Invalid OpenAPI input: 'paths' must be an object")
    if version.startswith("2."):
        document.pop("swagger", None)
        document["openapi"] = "3.0.1"
    clean: dict[str, Any] = {}
    for path, item in paths.items():
        if not str(path).startswith("/") or not isinstance(item, dict):
            raise ImportProblem(
                f"Invalid OpenAPI input: path {path!r} must start with '/' and map to methods"
            )
        methods = {}
        for key, operation in item.items():
            name = "any" if key == "x-amazon-apigateway-any-method" else str(key).lower()
            if name not in HTTP_METHODS:
                continue
            operation = dict(operation or {})
            integration = operation.get("x-amazon-apigateway-integration")
            if isinstance(integration, dict):
                integration = dict(integration)
                integration.setdefault("uri", "")
                integration.setdefault("httpMethod", "POST")  # moto needs one, even for MOCK
                operation["x-amazon-apigateway-integration"] = integration
            methods[name] = operation
        if path != "/" or methods:
            clean[path] = methods
    document["paths"] = clean
    return json.dumps(document).encode()
