"""API Gateway stages choose the alias through a stage variable in the integration URI."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from tests.support import zip_of

APP = (
    "import json\n"
    "def handler(event, context):\n"
    "    return {'statusCode': 200, 'body': json.dumps({'version': context.function_version,\n"
    "            'stage': event['requestContext']['stage']})}\n"
)


def test_va_stage_variable_alias_routing(aws: Any, lam: Any, make_function: Any) -> None:
    """va.stage-variable-alias-routing: a URI ending in :${stageVariables.lambdaAlias} sends
    the prod stage (lambdaAlias=PROD) to the version PROD points at."""
    name = make_function(APP)
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=zip_of({"app.py": APP + "# v2\n"}))
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="PROD", FunctionVersion="1")
    lam.create_alias(FunctionName=name, Name="BETA", FunctionVersion="2")
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    apigw = aws.client("apigateway")
    api = apigw.create_rest_api(name=f"shop-{name}")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api,
        resourceId=root,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        f"{arn}:${{stageVariables.lambdaAlias}}/invocations",
    )
    for stage, alias in (("prod", "PROD"), ("beta", "BETA")):
        apigw.create_deployment(restApiId=api, stageName=stage, variables={"lambdaAlias": alias})
        lam.add_permission(
            FunctionName=name,
            Qualifier=alias,
            StatementId=f"apigw-{stage}",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
        )

    def get(stage: str) -> dict[str, Any]:
        url = f"{aws.endpoint}/restapis/{api}/{stage}/_user_request_/"
        with urllib.request.urlopen(url) as response:
            assert response.status == 200
            body: dict[str, Any] = json.loads(response.read())
            return body

    assert get("prod") == {"version": "1", "stage": "prod"}
    assert get("beta") == {"version": "2", "stage": "beta"}
    lam.update_alias(FunctionName=name, Name="PROD", FunctionVersion="2")  # a release
    assert get("prod") == {"version": "2", "stage": "prod"}
