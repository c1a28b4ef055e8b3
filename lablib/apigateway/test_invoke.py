"""TestInvokeMethod: run one method of the API as it is now (not as deployed), as the
console's Test button does. Authorizers, API keys, throttling and the cache are skipped, as
on AWS; the answer carries the status, body, headers, latency and the execution log."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from lablib.apigateway.context import Call, Request, Response
from lablib.apigateway.errors import GatewayError
from lablib.apigateway.model import StageView
from lablib.apigateway.route import Router
from lablib.aws.moto_bridge import apigateway as bridge

STAGE = "test-invoke-stage"


class NotFound(LookupError):
    """The API, resource or method does not exist (AWS: NotFoundException)."""


def test_invoke(
    gateway: Any, region: str, api_id: str, resource_id: str, http_method: str, spec: dict[str, Any]
) -> dict[str, Any]:
    if bridge.find_api(gateway.account, api_id, region) is None:
        raise NotFound(f"Invalid API identifier specified {gateway.account}:{api_id}")
    api = bridge.snapshot(gateway.account, region, api_id, "test-invoke")
    resource = next((r for r in api.resources if r.id == resource_id), None)
    if resource is None:
        raise NotFound(f"Invalid Resource identifier specified {resource_id}")
    method = resource.methods.get(http_method.upper())
    if method is None:
        raise NotFound("Invalid Method identifier specified")
    target = str(spec.get("pathWithQueryString") or resource.path)
    path, _, query = target.partition("?")
    headers = [(str(k), str(v)) for k, v in (spec.get("headers") or {}).items()]
    for key, values in (spec.get("multiValueHeaders") or {}).items():
        headers += [(str(key), str(v)) for v in values]
    request = Request(
        method=http_method.upper(),
        path=path or "/",
        raw_path=path or "/",
        query=parse_qsl(query, keep_blank_values=True),
        headers=headers,
        body=str(spec.get("body") or "").encode(),
        source_ip="test-invoke-source-ip",
        api_id=api_id,
        stage=STAGE,
    )
    call = Call(request, str(uuid.uuid4()), gateway.account, region)
    call.api, call.resource, call.method = api, resource, method
    variables = {str(k): str(v) for k, v in (spec.get("stageVariables") or {}).items()}
    call.stage = StageView(STAGE, None, variables, {}, False, None)
    call.variables = variables
    try:
        matched, _, params = Router(api).match(request.method, request.path)
        call.path_params = params if matched.id == resource.id else {}
    except GatewayError:
        call.path_params = {}
    started = time.perf_counter()
    try:
        response = gateway.integrate(call)
    except GatewayError as err:
        response = gateway.error_response(call, err)
    latency = int((time.perf_counter() - started) * 1000)
    return _answer(call, response, latency)


def _answer(call: Call, response: Response, latency: int) -> dict[str, Any]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in response.headers:
        single[key] = value
        multi.setdefault(key, []).append(value)
    stamp = time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(call.started_epoch))
    lines = [
        f"Execution log for request {call.request_id}",
        f"Starting execution for request: {call.request_id}",
        f"HTTP Method: {call.request.method}, Resource Path: {call.request.path}",
        f"Method request path: {json.dumps(call.path_params)}",
        f"Method request query string: {json.dumps(call.request.query_map())}",
        f"Method request headers: {json.dumps(call.request.header_map())}",
        f"Method request body before transformations: {call.request.body.decode(errors='replace')}",
        *call.log,
        f"Method completed with status: {response.status}",
    ]
    log = lines[0] + "\n" + "".join(f"{stamp} : {line}\n" for line in lines[1:])
    return {
        "status": response.status,
        "body": response.body.decode("utf-8", "replace"),
        "headers": single,
        "multiValueHeaders": multi,
        "log": log,
        "latency": latency,
    }
