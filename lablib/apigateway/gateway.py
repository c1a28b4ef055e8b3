"""The handler chain: parse -> route -> authorize -> throttle -> cache -> integration
request -> integration -> integration response -> method response, with gateway errors
answered as AWS answers them. One ``Gateway`` serves every REST API of the local AWS."""

from __future__ import annotations

import json
import random
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import replace
from http import HTTPStatus
from typing import Any

from lablib.apigateway import (
    ids,
    integration_request,
    integration_response,
    method_response,
    request_validation,
    vtl,
)
from lablib.apigateway.authorize import Authorizers
from lablib.apigateway.cache import StageCache
from lablib.apigateway.context import Call, Request, Response
from lablib.apigateway.errors import CAPITAL_MESSAGE, GatewayError
from lablib.apigateway.integrations import lambda_ as lambda_integration
from lablib.apigateway.integrations.aws import AwsIntegration
from lablib.apigateway.integrations.http import call_http
from lablib.apigateway.integrations.mock import call_mock
from lablib.apigateway.model import ApiSnapshot, CanarySpec
from lablib.apigateway.parse import parse
from lablib.apigateway.route import Router
from lablib.apigateway.telemetry import GatewayTelemetry
from lablib.apigateway.throttle import Limiter
from lablib.aws import moto_bridge
from lablib.aws.moto_bridge import apigateway as bridge

StartResponse = Callable[..., Any]


class Gateway:
    def __init__(self, local: Any) -> None:
        self.local = local
        self.account = moto_bridge.ACCOUNT_ID
        self.region = str(getattr(local, "region", "us-east-1"))
        self._snapshots: dict[tuple[str, str], tuple[ApiSnapshot, Router]] = {}
        self._lock = threading.Lock()
        self.canaries: dict[tuple[str, str], CanarySpec] = {}
        self.authorizers = Authorizers(local)
        self.limiter = Limiter()
        self.cache = StageCache()
        self.telemetry = GatewayTelemetry()
        self.lambdas = lambda_integration.LambdaIntegration(local)
        self.aws = AwsIntegration(local)

    def close(self) -> None:
        self.telemetry.close()
        self.lambdas.close()

    # -- deployments -------------------------------------------------------------------------
    def take_snapshot(self, region: str, api_id: str, deployment_id: str) -> ApiSnapshot:
        api = bridge.snapshot(self.account, region, api_id, deployment_id)
        with self._lock:
            self._snapshots[(api_id, deployment_id)] = (api, Router(api))
        return api

    def snapshot_for(self, region: str, api_id: str, deployment_id: str) -> ApiSnapshot:
        return self._deployment(region, api_id, deployment_id)[0]

    def _deployment(
        self, region: str, api_id: str, deployment_id: str
    ) -> tuple[ApiSnapshot, Router]:
        with self._lock:
            found = self._snapshots.get((api_id, deployment_id))
        if found is None:
            # A deployment made some other way (e.g. CloudFormation): snapshot it now.
            self.take_snapshot(region, api_id, deployment_id)
            with self._lock:
                found = self._snapshots[(api_id, deployment_id)]
        return found

    # -- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = ids.request_id()
        call: Call | None = None
        try:
            request = parse(environ, self.region)
            call = Call(request, request_id, self.account, self.region)
            response = self.handle(call)
        except GatewayError as err:
            if call is None:
                call = Call(_empty_request(environ), request_id, self.account, self.region)
            response = self.error_response(call, err)
        except Exception as exc:  # a bug in the data plane: answer like AWS, log loudly
            traceback.print_exc()
            if call is None:
                call = Call(_empty_request(environ), request_id, self.account, self.region)
            internal = GatewayError("API_CONFIGURATION_ERROR", f"lablib internal error: {exc!r}")
            response = self.error_response(call, internal)
        method_response.finish(call, response)
        self.telemetry.record(call, response)
        reason = _REASONS.get(response.status, "Unknown")
        headers = [(k, v.encode("utf-8").decode("latin-1")) for k, v in response.headers]
        headers.append(("Content-Length", str(len(response.body))))
        start_response(f"{response.status} {reason}", headers)
        return [response.body]

    def handle(self, call: Call) -> Response:
        req = call.request
        region = bridge.find_api(self.account, req.api_id, self.region)
        if region is None:
            raise GatewayError(
                "RESOURCE_NOT_FOUND",
                f"no REST API {req.api_id}",
                message=f"No REST API with id {req.api_id} in the local AWS",
            )
        call.region = region
        stage = bridge.read_stage(self.account, region, req.api_id, req.stage)
        if stage is None or not stage.deployment_id:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN", f"no stage {req.stage}")
        canary = self.canaries.get((req.api_id, req.stage))
        if canary is not None:
            stage = replace(stage, canary=canary)
        call.stage = stage
        deployment_id = stage.deployment_id
        call.variables = dict(stage.variables)
        if canary is not None and canary.percent > 0 and random.random() * 100 < canary.percent:
            call.canary = True
            deployment_id = canary.deployment_id
            call.variables.update(canary.variable_overrides)
        api, router = self._deployment(region, req.api_id, str(deployment_id))
        call.api = api
        call.resource, call.method, call.path_params = router.match(req.method, req.path)
        self.authorizers.check(call)
        request_validation.check(call)
        self.limiter.check(call)
        cached = self.cache.get(call)
        if cached is not None:
            call.info("Sending cached response")
            return cached
        response = self.integrate(call)
        self.cache.put(call, response)
        return response

    def integrate(self, call: Call) -> Response:
        method = call.method
        assert method is not None
        integration = method.integration
        if integration is None:
            raise GatewayError(
                "API_CONFIGURATION_ERROR",
                "Execution failed due to configuration error: no integration defined for method",
            )
        kind = integration.type
        if kind == "AWS_PROXY":
            event = _EVENT_JSON.encode(integration_request.proxy_event(call)).encode()
            result = self.lambdas.invoke(call, integration, event)
            call.integration_status = 200
            if result.function_error:
                raise GatewayError(
                    "BAD_GATEWAY",
                    "Lambda execution failed with status 200 due to customer function error: "
                    + result.payload[:500].decode("utf-8", "replace"),
                )
            binary = integration_request.media_type_matches(
                call.request.header("Accept"), call.api.binary_media_types if call.api else ()
            )
            return method_response.from_proxy(result.payload, binary)
        if kind == "HTTP_PROXY":
            answer = call_http(call, integration, call.request.body)
            call.integration_status = answer.status
            headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in _HOP]
            return Response(answer.status, headers, answer.body)
        body = integration_request.build(call, integration)
        call.integration_request = body
        is_lambda = kind == "AWS" and ":lambda:path/" in integration.uri
        if is_lambda:
            answer = lambda_integration.custom(self.lambdas, call, integration, body)
        elif kind == "AWS":
            answer = self.aws.call(call, integration, body)
        elif kind == "HTTP":
            answer = call_http(call, integration, body)
        elif kind == "MOCK":
            answer = call_mock(call, body)
        else:
            raise GatewayError(
                "API_CONFIGURATION_ERROR", f"integration type {kind!r} is not supported"
            )
        call.integration_status = answer.status
        return integration_response.apply(call, integration, answer, is_lambda)

    # -- gateway responses -------------------------------------------------------------------
    def error_response(self, call: Call, err: GatewayError) -> Response:
        message = err.default_message
        call.fail(f"{err.type}: {err.log or message}")
        call.error = {
            "message": message,
            "messageString": json.dumps(message),
            "responseType": err.type,
            "status": str(err.status),
        }
        status = err.status
        key = "Message" if err.type in CAPITAL_MESSAGE and err.message is None else "message"
        body = json.dumps({key: message}, separators=(",", ":")).encode()
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", err.error_type)]
        custom = None
        if call.api is not None:
            custom = call.api.gateway_responses.get(err.type) or call.api.gateway_responses.get(
                err.family
            )
        if custom is not None:
            if custom.status_code:
                status = int(custom.status_code)
            template = custom.templates.get("application/json")
            if template:
                try:
                    body = vtl.render(
                        template,
                        b"",
                        integration_request.template_params(call),
                        call.context_vars(),
                        call.variables,
                    ).encode()
                except vtl.TemplateProblem as exc:
                    call.fail(f"gateway response template failed: {exc}")
            for target, source in custom.parameters.items():
                if target.startswith("gatewayresponse.header.") and source.startswith("'"):
                    headers.append((target[len("gatewayresponse.header.") :], source.strip("'")))
        return Response(status, headers, body)


# json.dumps's output; the event is built afresh (no cycles to look for).
_EVENT_JSON = json.JSONEncoder(check_circular=False)
_REASONS = {status.value: status.phrase for status in HTTPStatus}
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}


def _empty_request(environ: dict[str, Any]) -> Request:
    return Request(
        method=str(environ.get("REQUEST_METHOD", "GET")),
        path=str(environ.get("PATH_INFO", "/")),
        raw_path=str(environ.get("PATH_INFO", "/")),
        query=[],
        headers=[],
        body=b"",
        source_ip=str(environ.get("REMOTE_ADDR") or "127.0.0.1"),
        api_id="",
        stage="",
    )
