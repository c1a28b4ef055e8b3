"""Integration URIs: stage-variable substitution and parsing Lambda / AWS service ARNs."""

from __future__ import annotations

import re

from lablib.apigateway.errors import GatewayError

_STAGE_VAR = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_.:-]+)\}")
_LAMBDA_URI = re.compile(
    r"^arn:aws:apigateway:(?P<region>[^:]+):lambda:path/[^/]+/functions/(?P<fn>.+)/invocations$"
)
_SERVICE_URI = re.compile(
    r"^arn:aws:apigateway:(?P<region>[^:]+):(?P<service>[^:/]+):(?P<kind>action|path)/(?P<rest>.+)$"
)


def substitute(uri: str, variables: dict[str, str]) -> str:
    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in variables:
            raise GatewayError(
                "API_CONFIGURATION_ERROR",
                f"Execution failed due to configuration error: stage variable {name!r} used in "
                f"the integration URI is not defined on this stage",
            )
        return variables[name]

    return _STAGE_VAR.sub(value, uri)


def lambda_target(uri: str) -> tuple[str, str | None, str]:
    """(function name, qualifier or None, region) from a Lambda integration URI."""
    found = _LAMBDA_URI.match(uri)
    if found is None:
        raise GatewayError(
            "API_CONFIGURATION_ERROR",
            f"Execution failed due to configuration error: {uri!r} is not a Lambda "
            "integration URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/"
            "FUNCTION_ARN/invocations)",
        )
    fn = found.group("fn")
    region = found.group("region")
    if fn.startswith("arn:"):
        parts = fn.split(":")
        # arn:aws:lambda:region:account:function:name[:qualifier]
        if len(parts) < 7:
            raise GatewayError("API_CONFIGURATION_ERROR", f"bad function ARN in {uri!r}")
        region = parts[3] or region
        return parts[6], (parts[7] if len(parts) > 7 and parts[7] else None), region
    name, _, qualifier = fn.partition(":")
    return name, qualifier or None, region


def service_target(uri: str) -> tuple[str, str, str, str]:
    """(region, service, 'action'|'path', rest) from an AWS service integration URI."""
    found = _SERVICE_URI.match(uri)
    if found is None:
        raise GatewayError(
            "API_CONFIGURATION_ERROR",
            f"Execution failed due to configuration error: {uri!r} is not an AWS service "
            "URI (arn:aws:apigateway:REGION:SERVICE:action/ACTION or :path/PATH)",
        )
    return found.group("region"), found.group("service"), found.group("kind"), found.group("rest")
