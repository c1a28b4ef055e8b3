"""API Gateway scenarios: the proxy event a handler receives (sent with ``requests``, as the
recorded test did) and how a Lambda proxy response is validated."""

from __future__ import annotations

import json
from typing import Any

import requests

from tests.parity.harness import Context

ECHO_EVENT = (
    "import json\n\n\ndef handler(event, context):\n"
    "    return {'statusCode': 200, 'body': json.dumps(event)}\n"
)
RETURN_BODY = (  # the answer is the request's body (none: json.loads fails, a 502)
    "import base64, json\n\n\ndef handler(event, context):\n"
    "    body = event['body']\n"
    "    if event.get('isBase64Encoded'):\n"
    "        body = base64.b64decode(body)\n"
    "    return json.loads(body)\n"
)


def _parsed_body(event: Any) -> Any:
    """The event's JSON body parsed, as LocalStack's recorder did."""
    if isinstance(event, dict) and isinstance(event.get("body"), str):
        try:
            event["body"] = json.loads(event["body"])
        except ValueError:
            pass
    return event


def _proxy_api(ctx: Context, code: str, stage: str) -> tuple[str, str]:
    """A REST API with ANY /{proxy+} (and GET /hardcoded) on a Lambda proxy integration."""
    apigw = ctx.client("apigateway")
    function = ctx.create_function(code)
    arn = function["FunctionArn"]
    api = apigw.create_rest_api(name=ctx.name("api"))["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    proxy = apigw.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]
    apigw.put_method(restApiId=api, resourceId=proxy, httpMethod="ANY", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api, resourceId=proxy, httpMethod="ANY", type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
    )  # fmt: skip
    ctx.lam.add_permission(
        FunctionName=function["FunctionName"], StatementId="apigw", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
    )  # fmt: skip
    apigw.create_deployment(restApiId=api, stageName=stage)
    return api, f"{ctx.aws.endpoint}/restapis/{api}/{stage}/_user_request_"


def proxy_event(ctx: Context) -> dict[str, Any]:
    _, base = _proxy_api(ctx, ECHO_EVENT, "stage")
    headers = {
        "User-Agent": "python-requests/testing",
        "tEsT-HEADeR": "aValUE",
        "authorization": "random-value",
    }

    def get(url: str) -> Any:
        return _parsed_body(requests.get(url, headers=headers, timeout=30).json())

    multi = requests.post(
        f"{base}/proxy-value",
        data=json.dumps({"message": "hello world"}),
        headers={
            "Content-Type": "application/json;charset=utf-8",
            "aUThorization": "Bearer token123;API key456",
            "User-Agent": "python-requests/testing",
        },
        params={"category": ["electronics", "books"], "price": ["10", "20", "30"]},
        timeout=30,
    ).json()
    multi = _parsed_body(multi)
    return {
        "invocation-payload-without-trailing-slash": get(f"{base}/proxy-value"),
        "invocation-payload-with-trailing-slash": get(f"{base}/proxy-value/"),
        "invocation-payload-without-trailing-slash-and-query-params": get(
            f"{base}/proxy-value?urlparam=test"
        ),
        "invocation-payload-with-params-encoding-multi": multi,
    }


def proxy_response_validation(ctx: Context) -> dict[str, Any]:
    _, base = _proxy_api(ctx, RETURN_BODY, "test")

    def invoke(body: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"json": body} if body else {}
        response = requests.post(
            f"{base}/test", headers={"User-Agent": "python/test"}, timeout=30, **kwargs
        )
        try:
            content: Any = response.json()
        except ValueError:
            content = response.content.decode()
        return {"content": content}

    b64 = "dGVzdC1kYXRh"
    return {
        "invoke-api-no-body": invoke({"statusCode": 200}),
        "invoke-api-wrong-format": invoke({"statusCode": 200, "wrongValue": "value"}),
        "invoke-api-empty-response": invoke({}),
        "invoke-api-b64-encoded-true": invoke(
            {"statusCode": 200, "body": b64, "isBase64Encoded": True}
        ),
        "invoke-api-b64-encoded-false": invoke({"statusCode": 200, "body": b64}),
        "invoke-api-multi-headers-invalid": invoke(
            {"statusCode": 200, "multiValueHeaders": {"test-multi-invalid": "value1"}}
        ),
        "invoke-api-invalid-status-code": invoke({"statusCode": "test"}),
        "invoke-api-status-code-str": invoke({"statusCode": "201"}),
        "invoke-api-just-string": invoke("justAString"),
        "invoke-api-only-headers": invoke({"headers": {"test-header": "value"}}),
    }
