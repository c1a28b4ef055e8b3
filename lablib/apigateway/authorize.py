"""Step 3: who may call. Resource policy, then the method's authorization (AWS_IAM checks
that a SigV4 Authorization header is present and well-formed; the signature itself is not
verified locally), Lambda TOKEN/REQUEST authorizers (with a result cache keyed by identity
sources), then the API key (``x-api-key``, or the authorizer's ``usageIdentifierKey``)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from lablib.apigateway import policy as iam
from lablib.apigateway.context import Call
from lablib.apigateway.errors import GatewayError
from lablib.apigateway.integration_request import proxy_event
from lablib.apigateway.integrations.uri import lambda_target, substitute
from lablib.apigateway.model import AuthorizerSpec
from lablib.aws import moto_bridge
from lablib.aws.moto_bridge import apigateway as bridge
from lablib.runtime.model import Throttled

SIGV4_PARTS = ("Credential=", "SignedHeaders=", "Signature=")


class Authorizers:
    """Runs Lambda authorizers and caches their policies for the authorizer's TTL."""

    def __init__(self, local: Any) -> None:
        self.local = local
        self._cache: dict[tuple[str, str, tuple[str, ...]], tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.invocations = 0  # how many times an authorizer function really ran

    def check(self, call: Call) -> None:
        assert call.api is not None and call.method is not None
        if call.api.policy:
            _resource_policy(call)
        kind = call.method.authorization_type
        if kind == "AWS_IAM":
            _sigv4(call)
        elif kind == "CUSTOM":
            spec = call.api.authorizers.get(call.method.authorizer_id or "")
            if spec is None:
                raise GatewayError(
                    "AUTHORIZER_CONFIGURATION_ERROR",
                    f"method uses authorizer {call.method.authorizer_id!r}, which does not exist",
                )
            self._lambda(call, spec)
        elif kind == "COGNITO_USER_POOLS":
            if not call.request.header("Authorization"):
                raise GatewayError("UNAUTHORIZED", "no Authorization header (Cognito)")
            call.info("Cognito user pool token present (not verified in the local lab)")
        _api_key(call)

    # -- Lambda authorizers ---------------------------------------------------------------
    def _identity(self, call: Call, spec: AuthorizerSpec) -> tuple[str, ...]:
        values = []
        for source in [s.strip() for s in spec.identity_source.split(",") if s.strip()]:
            value: str | None = None
            if source.startswith("method.request.header."):
                value = call.request.header(source[len("method.request.header.") :])
            elif source.startswith("method.request.querystring."):
                value = call.request.query_map().get(source[len("method.request.querystring.") :])
            elif source.startswith("stageVariables."):
                value = call.variables.get(source[len("stageVariables.") :])
            elif source.startswith("context."):
                found = call.context_vars().get(source[len("context.") :])
                value = None if found is None else str(found)
            if not value:
                raise GatewayError("UNAUTHORIZED", f"identity source {source} is missing")
            values.append(value)
        return tuple(values)

    def _lambda(self, call: Call, spec: AuthorizerSpec) -> None:
        identity = self._identity(call, spec) if spec.identity_source else ()
        if spec.type == "TOKEN" and spec.validation_expression and identity:
            import re

            if not re.fullmatch(spec.validation_expression, identity[0]):
                raise GatewayError("UNAUTHORIZED", "token does not match the validation expression")
        key = (call.api.api_id if call.api else "", spec.id, identity)
        now = time.monotonic()
        cached = None
        if spec.ttl_s > 0:
            with self._lock:
                entry = self._cache.get(key)
            if entry is not None and entry[0] > now:
                cached = entry[1]
                call.info(f"Authorizer {spec.name}: using cached policy")
        output = cached if cached is not None else self._run(call, spec, identity)
        if cached is None and spec.ttl_s > 0:
            with self._lock:
                self._cache[key] = (now + spec.ttl_s, output)
                if len(self._cache) > 10_000:
                    self._cache.clear()
        document = output.get("policyDocument")
        if not isinstance(document, dict) or "principalId" not in output:
            raise GatewayError(
                "AUTHORIZER_CONFIGURATION_ERROR",
                "Execution failed due to configuration error: Invalid JSON in authorizer "
                "response: it needs principalId and policyDocument",
            )
        decision = iam.evaluate(document, _method_arn(call), call.request.source_ip)
        call.principal_id = str(output.get("principalId"))
        context = output.get("context") or {}
        call.authorizer = {
            k: v for k, v in context.items() if isinstance(v, (str, int, float, bool))
        }
        if output.get("usageIdentifierKey"):
            call.authorizer_key = str(output["usageIdentifierKey"])
        if decision == "Deny":
            raise GatewayError("ACCESS_DENIED", f"authorizer {spec.name} returned an explicit Deny")
        if decision != "Allow":
            raise GatewayError(
                "ACCESS_DENIED",
                f"authorizer {spec.name}'s policy does not allow {_method_arn(call)}",
                message="User is not authorized to access this resource",
            )

    def _run(self, call: Call, spec: AuthorizerSpec, identity: tuple[str, ...]) -> dict[str, Any]:
        if spec.type == "TOKEN":
            event: dict[str, Any] = {
                "type": "TOKEN",
                "authorizationToken": identity[0] if identity else "",
                "methodArn": _method_arn(call),
            }
        else:
            event = {"type": "REQUEST", "methodArn": _method_arn(call), **proxy_event(call)}
            event.pop("body", None)
            event.pop("isBase64Encoded", None)
        name, qualifier, region = lambda_target(substitute(spec.uri, call.variables))
        self.invocations += 1
        try:
            result = self.local.lambda_plane.invoke(
                name, json.dumps(event).encode(), qualifier, region
            )
        except (moto_bridge.ResolveError, Throttled) as exc:
            raise GatewayError(
                "AUTHORIZER_FAILURE", f"authorizer {spec.name} could not be invoked: {exc}"
            ) from None
        if result.function_error:
            try:
                message = json.loads(result.payload).get("errorMessage", "")
            except (ValueError, AttributeError):
                message = ""
            if message == "Unauthorized":
                raise GatewayError("UNAUTHORIZED", f"authorizer {spec.name} raised Unauthorized")
            raise GatewayError("AUTHORIZER_FAILURE", f"authorizer {spec.name} failed: {message}")
        try:
            output = json.loads(result.payload)
        except ValueError:
            output = None
        if not isinstance(output, dict):
            raise GatewayError(
                "AUTHORIZER_CONFIGURATION_ERROR",
                f"authorizer {spec.name} returned {result.payload[:200]!r}, not an object",
            )
        return output


def _method_arn(call: Call) -> str:
    return call.source_arn()


def _resource_policy(call: Call) -> None:
    assert call.api is not None and call.api.policy is not None
    arn = _method_arn(call)
    decision = iam.evaluate(call.api.policy, arn, call.request.source_ip)
    if decision != "Allow":
        explicit = " with an explicit deny" if decision == "Deny" else ""
        raise GatewayError(
            "ACCESS_DENIED",
            f"resource policy: {decision}",
            message=(
                f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
                f"{arn}{explicit}"
            ),
        )


def _sigv4(call: Call) -> None:
    header = call.request.header("Authorization")
    if not header:
        raise GatewayError("MISSING_AUTHENTICATION_TOKEN", "AWS_IAM method called unsigned")
    missing = [p.rstrip("=") for p in SIGV4_PARTS if p not in header]
    if not header.startswith("AWS4-HMAC-SHA256 ") or missing:
        raise GatewayError(
            "INCOMPLETE_SIGNATURE",
            "malformed SigV4 header",
            message=" ".join(f"Authorization header requires '{p}' parameter." for p in missing)
            or "Authorization header requires the AWS4-HMAC-SHA256 algorithm.",
        )
    if not (call.request.header("X-Amz-Date") or call.request.header("Date")):
        raise GatewayError(
            "INCOMPLETE_SIGNATURE",
            "no X-Amz-Date",
            message="Authorization header requires existence of either a 'X-Amz-Date' or a "
            "'Date' header.",
        )
    access_key = header.split("Credential=", 1)[1].split("/", 1)[0]
    call.info(f"IAM caller access key {access_key} (signature not verified locally)")


def _api_key(call: Call) -> None:
    assert call.api is not None and call.method is not None
    if not call.method.api_key_required:
        return
    if call.api.api_key_source == "AUTHORIZER":
        value = call.authorizer_key
    else:
        value = call.request.header("x-api-key")
    if not value:
        raise GatewayError("INVALID_API_KEY", "API key required but none was sent (x-api-key)")
    key = bridge.api_key_by_value(call.account, call.region, value)
    if key is None or not key.enabled:
        raise GatewayError(
            "INVALID_API_KEY", "API key not found" if key is None else "API key disabled"
        )
    plans = [
        plan
        for plan in bridge.usage_plans(
            call.account, call.region, call.request.api_id, call.request.stage
        )
        if key.id in plan.key_ids
    ]
    if not plans:
        raise GatewayError(
            "INVALID_API_KEY",
            f"API key {key.id} is not in a usage plan associated with stage {call.request.stage}",
        )
    call.api_key_id = key.id
    call.api_key_value = key.value
    call.usage_plan_id = plans[0].id
    call.info(f"API Key {key.id} authorized; usage plan {plans[0].id}")
