"""Exercise checks for lab 03 (api-gateway). Importing this module registers them with
``lablib.exercises`` (the lab's setup cell does ``import lablib.apigateway.exercises``).
Each check works only through boto3 and HTTP against the local AWS."""

from __future__ import annotations

import json
import uuid
from typing import Any

from lablib.apigateway.lab import lambda_uri, send
from lablib.exercises.core import Feedback, exercise
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
        hint="add an integration response with statusCode 404 whose selectionPattern matches the "
        "WHOLE errorMessage, e.g. 'NotFound:.*', then create a new deployment",
    )
    ok = send("GET", api_id, stage, "/apiname/getcustomers")
    fb.expect(
        ok.status == 200,
        "a known action still answers 200",
        expected="200",
        got=f"{ok.status} {ok.body[:120]}",
        hint="keep the default integration response (no selectionPattern) for 200",
    )


@exercise("api-gateway/proxy-response", title="Return what a proxy integration expects")
def check_proxy_response(fb: Feedback, code: str = "") -> None:
    fb.filled(code, "FIXED_HANDLER")
    name = f"ag-fixed-{uuid.uuid4().hex[:8]}"
    from lablib.notebook import deploy_code

    deploy_code(name, code)
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
        hint="403 means the key is not in a usage plan attached to stage prod; 429 'Too Many "
        "Requests' means the plan's throttle is too tight for 5 quick calls",
    )
    last = send("GET", api_id, "prod", "/partner", headers={"x-api-key": key_value})
    fb.expect(
        codes[5] == 429 and last.body == '{"message":"Limit Exceeded"}',
        "call 6 is refused: the quota is spent",
        expected='429 {"message":"Limit Exceeded"}',
        got=f"{codes[5]} {last.body}",
        hint="quota={'limit': 5, 'period': 'DAY'} on the usage plan",
    )
