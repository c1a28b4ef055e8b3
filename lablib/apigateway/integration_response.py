"""Step 8 (non-proxy integrations): choose the integration response whose
``selectionPattern`` matches the whole Lambda ``errorMessage`` (or, for HTTP/AWS/Mock, the
backend status code), else the default one; render its response template; map headers."""

from __future__ import annotations

import json
import re
from typing import Any

from lablib.apigateway import vtl
from lablib.apigateway.context import Call, IntegrationResult, Response
from lablib.apigateway.errors import GatewayError
from lablib.apigateway.integration_request import template_params
from lablib.apigateway.model import IntegrationResponseSpec, IntegrationSpec


def select(
    integration: IntegrationSpec, result: IntegrationResult, is_lambda: bool
) -> IntegrationResponseSpec:
    default: IntegrationResponseSpec | None = None
    subject = (result.error_message or "") if is_lambda else str(result.status)
    for spec in integration.responses.values():
        if not spec.selection_pattern:
            default = default or spec
            continue
        if is_lambda and not result.function_error:
            continue  # a successful Lambda call always uses the default response
        try:
            if re.fullmatch(spec.selection_pattern, subject):
                return spec
        except re.error as exc:
            raise GatewayError(
                "API_CONFIGURATION_ERROR",
                f"Execution failed due to configuration error: selection pattern "
                f"{spec.selection_pattern!r} of integration response {spec.status_code} is not "
                f"a valid regular expression: {exc}",
            ) from None
    if default is None:
        raise GatewayError(
            "API_CONFIGURATION_ERROR",
            "Execution failed due to configuration error: No match for output mapping and no "
            f"default output mapping configured. Endpoint Response Status Code: {result.status}",
        )
    return default


def _header_value(source: str, result: IntegrationResult, call: Call) -> str | None:
    if source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    if source.startswith("integration.response.header."):
        name = source[len("integration.response.header.") :].lower()
        for key, value in result.headers.items():
            if key.lower() == name:
                return value
        return None
    if source == "integration.response.body":
        return result.body.decode("utf-8", errors="replace")
    if source.startswith("integration.response.body."):
        try:
            value = vtl.json_path(json.loads(result.body), "$." + source[26:])
        except (ValueError, vtl.TemplateProblem):
            return None
        return None if value is vtl._MISSING else str(value)
    if source.startswith("stageVariables."):
        return call.variables.get(source[len("stageVariables.") :])
    if source.startswith("context."):
        found: Any = call.context_vars()
        for part in source[len("context.") :].split("."):
            found = found.get(part) if isinstance(found, dict) else None
        return None if found is None else str(found)
    return None


def apply(
    call: Call, integration: IntegrationSpec, result: IntegrationResult, is_lambda: bool
) -> Response:
    spec = select(integration, result, is_lambda)
    call.info(
        f"Selected integration response {spec.status_code} (pattern {spec.selection_pattern!r})"
    )
    templates = {k: v for k, v in spec.templates.items() if v}
    content_type = "application/json"
    body = result.body
    if templates:
        accept = (call.request.header("Accept") or "").split(";")[0].strip().lower()
        content_type = (
            accept
            if accept in templates
            else ("application/json" if "application/json" in templates else next(iter(templates)))
        )
        override: dict[str, Any] = {"status": None, "header": {}}
        context = call.context_vars()
        context["responseOverride"] = override
        try:
            rendered = vtl.render(
                templates[content_type] or "",
                result.body,
                template_params(call),
                context,
                call.variables,
            )
        except vtl.TemplateProblem as exc:
            raise GatewayError(
                "API_CONFIGURATION_ERROR",
                f"Execution failed due to configuration error: response template: {exc}",
            ) from None
        body = rendered.encode()
        call.response_override = context["responseOverride"]
    elif result.headers:
        for key, value in result.headers.items():
            if key.lower() == "content-type":
                content_type = value
    status = int(spec.status_code)
    override_status = call.response_override.get("status") if call.response_override else None
    if override_status not in (None, ""):
        try:
            status = int(str(override_status))
        except ValueError:
            pass
    headers = [("Content-Type", content_type)]
    for target, source in spec.parameters.items():
        if target.startswith("method.response.header."):
            mapped = _header_value(source, result, call)
            if mapped is not None:
                headers.append((target[len("method.response.header.") :], mapped))
    for name, value in ((call.response_override or {}).get("header") or {}).items():
        headers.append((str(name), str(value)))
    return Response(status, headers, body)
