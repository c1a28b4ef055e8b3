"""Exercise checks for lab 03 (api-gateway). Importing this module registers them with
``lablib.exercises`` (``check`` imports it on first use).
Each check works only through boto3 and HTTP against the local AWS."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from lablib.exercises.core import Feedback, exercise
from lablib.labs.api_gateway.views import lambda_uri, send
from lablib.notebook._aws import client


@exercise("api-gateway/selection-pattern", title="Map NotFound errors to 404")
def check_selection_pattern(fb: Feedback, api_id: str = "", stage: str = "custom") -> None:
    fb.filled(api_id, "API_ID")
    missing = send("GET", api_id, stage, "/apiname/nosuchaction")
    fb.expect(
        missing.status == 404,
        "an unknown action answers 404",
        expected="404",
        got=f"{missing.status} {missing.body[:120]}",
        hint=_selection_hint(api_id, stage) if missing.status != 404 else "",
    )
    ok = send("GET", api_id, stage, "/apiname/getcustomers")
    fb.expect(
        ok.status == 200,
        "a known action still answers 200",
        expected="200",
        got=f"{ok.status} {ok.body[:120]}",
        hint="keep the default integration response (no selectionPattern) for 200",
    )


def _selection_hint(api_id: str, stage: str) -> str:
    """Why /apiname/nosuchaction is not a 404: no 404 integration response, a pattern matched
    against the error type or only part of the errorMessage, or a change not deployed."""
    ag = client("apigateway")
    whole = (
        "add an integration response with statusCode 404 whose selectionPattern matches the "
        "WHOLE errorMessage, e.g. 'NotFound:.*', then create a new deployment"
    )
    try:
        resources = ag.get_resources(restApiId=api_id, limit=500)["items"]
        rid = next(r["id"] for r in resources if r["path"] == "/apiname/{action}")
        integration = ag.get_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")
    except (StopIteration, ag.exceptions.ClientError):
        return whole
    function = integration.get("uri", "").split("function:")[-1].split("/")[0]
    reply = client("lambda").invoke(
        FunctionName=function, Payload=json.dumps({"action": "nosuchaction"}).encode()
    )
    error = json.loads(reply["Payload"].read() or b"{}")
    message = str(error.get("errorMessage", "")) if isinstance(error, dict) else ""
    kind = str(error.get("errorType", "")) if isinstance(error, dict) else ""
    spec = (integration.get("integrationResponses") or {}).get("404")
    pattern = (spec or {}).get("selectionPattern") or ""
    if not spec:
        return "there is no integration response for 404 yet: " + whole
    try:
        matches = bool(re.fullmatch(pattern, message))
    except re.error:
        return f"selectionPattern {pattern!r} is not a valid regular expression: " + whole
    if matches:
        return (
            f"the 404 integration response matches, but stage {stage} still serves the old "
            f"deployment: ag.create_deployment(restApiId=..., stageName='{stage}')"
        )
    if kind and re.fullmatch(pattern, kind):
        return (
            f"for Lambda, selectionPattern is matched against the errorMessage ({message!r}), "
            f"not the error type {kind}: e.g. 'NotFound:.*'"
        )
    if re.search(pattern, message):
        return (
            f"{pattern!r} matches only part of {message!r}: the pattern must match the WHOLE "
            "errorMessage, e.g. 'NotFound:.*'"
        )
    return f"{pattern!r} does not match the errorMessage {message!r}: " + whole


MALFORMED = " (clients get 502 Malformed Lambda proxy response)"


def _diagnose_proxy_reply(fb: Feedback, name: str) -> None:
    """Invoke the function as API Gateway would and name the first thing in its reply that
    makes API Gateway answer 502 Malformed Lambda proxy response."""
    event = {
        **dict.fromkeys(["queryStringParameters", "pathParameters", "body"]),
        **{"httpMethod": "GET", "path": "/item", "resource": "/item", "headers": {}},
        **{"multiValueHeaders": {}, "isBase64Encoded": False, "requestContext": {}},
    }
    answer = client("lambda").invoke(FunctionName=name, Payload=json.dumps(event).encode())
    raw = answer["Payload"].read()
    try:
        reply = json.loads(raw) if raw else None
    except ValueError:
        reply = raw.decode(errors="replace")
    if answer.get("FunctionError"):
        detail = reply if not isinstance(reply, dict) else reply.get("errorMessage", reply)
        kind = reply.get("errorType", "") if isinstance(reply, dict) else ""
        fb.fail(
            "the handler returns without an error",
            expected="a reply (API Gateway turns a function error into 502 Internal server error)",
            got=f"{kind}: {detail}"[:140] + " (clients get 502 Internal server error)",
            hint="define def handler(event, context) at module level"
            if kind.startswith("Runtime.")
            else "the event of a GET has body None and may have no headers: read it with .get()",
        )
    fb.expect(
        isinstance(reply, dict),
        "the reply is a dict (a JSON object)",
        expected="{'statusCode': 200, 'headers': {...}, 'body': '...'}",
        got=f"{reply!r}"[:100] + MALFORMED,
        hint="a proxy integration needs an object, not a bare list, string or None",
    )
    assert isinstance(reply, dict)
    fb.expect(
        "statusCode" in reply,
        "the reply has statusCode",
        expected="'statusCode': 200",
        got=f"keys {sorted(reply)}" + MALFORMED,
        hint="the item itself is not a proxy response: wrap it as "
        "{'statusCode': 200, 'body': json.dumps(item)}",
    )
    body = reply.get("body")
    fb.expect(
        body is None or isinstance(body, str),
        "body is a string",
        expected="a str (JSON text)",
        got=f"{type(body).__name__}: {body!r}"[:100] + MALFORMED,
        hint="API Gateway does not serialise the body for you: json.dumps(item)",
    )
    headers = reply.get("headers", {})
    fb.expect(
        isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values()),
        "header values are strings",
        expected="{'Content-Type': 'application/json'}",
        got=f"{headers!r}"[:100] + MALFORMED,
        hint="each header value must be a string (multiValueHeaders holds lists)",
    )


@exercise("api-gateway/proxy-response", title="Return what a proxy integration expects")
def check_proxy_response(fb: Feedback, code: str = "") -> None:
    fb.filled(code if isinstance(code, str) and code.strip() else ..., "FIXED_HANDLER")
    fb.compiles(code, hint="fix the syntax error in FIXED_HANDLER")
    name = f"ag-fixed-{uuid.uuid4().hex[:8]}"
    from lablib.notebook import deploy_code

    deploy_code(name, code)
    _diagnose_proxy_reply(fb, name)
    client("lambda").add_permission(
        FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
    )  # fmt: skip
    ag = client("apigateway")
    api = ag.create_rest_api(name=f"check-{name}")["id"]
    root = ag.get_resources(restApiId=api)["items"][0]["id"]
    res = ag.create_resource(restApiId=api, parentId=root, pathPart="item")["id"]
    ag.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
    ag.put_integration(
        restApiId=api, resourceId=res, httpMethod="GET", type="AWS_PROXY",
        integrationHttpMethod="POST", uri=lambda_uri(name),
    )  # fmt: skip
    ag.create_deployment(restApiId=api, stageName="check")
    answer = send("GET", api, "check", "/item")
    fb.expect(
        answer.status == 200,
        "the proxy integration accepts the function's reply",
        expected="200",
        got=f"{answer.status} {answer.body[:120]}",
        hint="return {'statusCode': 200, 'body': json.dumps(...)}: body must be a string",
    )
    data: Any = None
    try:
        data = json.loads(answer.body)
    except ValueError:
        pass
    fb.expect(
        data == {"id": 7, "name": "widget"},
        "the client receives the item as JSON",
        expected='{"id": 7, "name": "widget"}',
        got=answer.body[:120],
        hint="json.dumps the item into the body",
    )


@exercise("api-gateway/usage-plan", title="A partner key with a daily quota of 5")
def check_usage_plan(fb: Feedback, api_id: str = "", key_value: str = "") -> None:
    fb.filled(api_id, "API_ID")
    fb.filled(key_value, "PARTNER_KEY")
    codes = [
        send("GET", api_id, "prod", "/partner", headers={"x-api-key": key_value}).status
        for _ in range(6)
    ]
    fb.expect(
        codes[:5] == [200] * 5,
        "the first 5 calls with the partner key succeed",
        expected="[200, 200, 200, 200, 200]",
        got=str(codes[:5]),
        hint=_key_hint(api_id, key_value, codes[:5]) if codes[:5] != [200] * 5 else "",
    )
    last = send("GET", api_id, "prod", "/partner", headers={"x-api-key": key_value})
    quotas = _quotas(api_id, key_value)
    fb.expect(
        codes[5] == 429 and last.body == '{"message":"Limit Exceeded"}',
        "call 6 is refused: the quota is spent",
        expected='429 {"message":"Limit Exceeded"}',
        got=f"{codes[5]} {last.body}",
        hint="quota={'limit': 5, 'period': 'DAY'} on the usage plan"
        + (f" (the key's plan has {quotas[0] or 'no quota'})" if quotas else ""),
    )
    fb.expect(
        {"limit": 5, "period": "DAY"} in quotas,
        "the quota is 5 calls per DAY",
        expected="quota={'limit': 5, 'period': 'DAY'}",
        got=", ".join(str(q) for q in quotas),
        hint="a partner quota of 5 a day: period 'DAY' (a WEEK or MONTH quota lets only 5 "
        "calls through in the whole week or month)",
    )


def _api_key(key_value: str) -> tuple[dict[str, Any] | None, bool]:
    """The API key whose value is ``key_value``, and whether ``key_value`` is a key's id."""
    ag = client("apigateway")
    keys = ag.get_api_keys(includeValues=True, limit=500)["items"]
    found = next((k for k in keys if k.get("value") == key_value), None)
    return found, any(k["id"] == key_value for k in keys)


def _plans(api_id: str, key_id: str) -> list[dict[str, Any]]:
    """The usage plans the key is in that cover stage prod of the API."""
    plans = client("apigateway").get_usage_plans(keyId=key_id, limit=500)["items"]
    return [
        p
        for p in plans
        if any(
            s.get("apiId") == api_id and s.get("stage") == "prod" for s in p.get("apiStages", [])
        )
    ]


def _quotas(api_id: str, key_value: str) -> list[dict[str, Any]]:
    key, _ = _api_key(key_value)
    if key is None:
        return []
    return [
        {k: v for k, v in (p.get("quota") or {}).items() if k in ("limit", "period")}
        for p in _plans(api_id, key["id"])
    ]


def _key_hint(api_id: str, key_value: str, codes: list[int]) -> str:
    """Why the partner key's calls fail: the key's id given as its value, a disabled key, a
    key in no usage plan, a plan not attached to stage prod, or a throttle too tight."""
    key, is_id = _api_key(key_value)
    if key is None:
        if is_id:
            return "that is the key's id; clients send its value: PARTNER_KEY = new_key['value']"
        return "no API key has this value: PARTNER_KEY = new_key['value'] of create_api_key"
    if not key.get("enabled"):
        return "the key is disabled (create_api_key defaults to enabled=False): enabled=True"
    ag = client("apigateway")
    if not ag.get_usage_plans(keyId=key["id"], limit=500)["items"]:
        return (
            "the key is in no usage plan: ag.create_usage_plan_key(usagePlanId=..., "
            "keyId=..., keyType='API_KEY')"
        )
    if not _plans(api_id, key["id"]):
        return (
            "the key's usage plan is not attached to stage prod of this API: "
            "apiStages=[{'apiId': API_ID, 'stage': 'prod'}]"
        )
    small = [q for q in _quotas(api_id, key_value) if q.get("limit", 5) < 5]
    if small:
        return f"the key's plan has quota {small[0]}: fewer than 5 calls a day get through"
    if 429 in codes:
        return "429 'Too Many Requests': the plan's throttle is too tight for 5 quick calls"
    return (
        "403 means the key is not in a usage plan attached to stage prod; 429 'Too Many "
        "Requests' means the plan's throttle is too tight for 5 quick calls"
    )


API_KINDS = {
    "partner-quota": (
        "REST",
        "API keys with usage plans (quotas per key) are a REST API feature",
    ),
    "chat": (
        "WEBSOCKET",
        "the server pushes messages to connected clients: a WebSocket API keeps the connection",
    ),
    "jwt-proxy": (
        "HTTP",
        "a cheap, low-latency Lambda proxy with a JWT authorizer is what HTTP APIs are for",
    ),
    "cached-catalog": (
        "REST",
        "the stage cache exists only in REST APIs",
    ),
}


@exercise("api-gateway/pick-api-type", title="Design: REST, HTTP or WebSocket")
def _pick_api_type(fb: Feedback, answers: Any = ...) -> None:
    """A design task from requirements: one diagnosis per requirement."""
    fb.answered(answers, "API_TYPE", API_KINDS)
    for key, (right, why) in API_KINDS.items():
        given = str(answers[key]).strip().upper()
        fb.expect(
            given in ("REST", "HTTP", "WEBSOCKET"),
            f"{key}: the answer is an API type",
            expected='"REST", "HTTP" or "WEBSOCKET"',
            got=repr(answers[key]),
            hint="write one of REST, HTTP, WEBSOCKET",
        )
        fb.expect(given == right, f"{key}: {right}", expected=right, got=given, hint=why)
