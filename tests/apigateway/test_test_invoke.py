"""TestInvokeMethod (the console's Test button): the method as it is now, not as deployed,
without authorizers or API keys; status, body, headers, latency and the execution log."""

from __future__ import annotations

import json

import pytest

from tests.apigateway.conftest import Api

MOCK = {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}


def mock_reply(text: str) -> list[dict[str, object]]:
    return [{"statusCode": "200", "responseTemplates": {"application/json": text}}]


def test_invoke_runs_the_current_undeployed_method(apigw: Api) -> None:
    api = apigw.create()
    res = apigw.method(api, "/ping", "GET", dict(MOCK), mock_reply('{"v": 1}'))
    apigw.deploy(api, "prod")
    apigw.ag.put_integration_response(  # changed after the deployment
        restApiId=api, resourceId=res, httpMethod="GET", statusCode="200",
        responseTemplates={"application/json": '{"v": 2}'},
    )  # fmt: skip
    assert apigw.get(api, "prod", "/ping").json() == {"v": 1}  # the stage keeps the deployment
    answer = apigw.ag.test_invoke_method(restApiId=api, resourceId=res, httpMethod="GET")
    assert answer["status"] == 200
    assert json.loads(answer["body"]) == {"v": 2}
    assert answer["log"].startswith("Execution log for request ")
    assert "HTTP Method: GET, Resource Path: /ping" in answer["log"]
    assert "Method completed with status: 200" in answer["log"]
    assert isinstance(answer["latency"], int)


def test_invoke_skips_api_keys_and_passes_path_query_headers(apigw: Api, echo: str) -> None:
    api = apigw.create()
    res = apigw.proxy(api, "/orders/{id}", echo, verb="POST", apiKeyRequired=True)
    answer = apigw.ag.test_invoke_method(
        restApiId=api,
        resourceId=res,
        httpMethod="POST",
        pathWithQueryString="/orders/42?verbose=yes",
        body='{"n": 1}',
        headers={"X-Trace": "abc"},
        stageVariables={"env": "test"},
    )
    assert answer["status"] == 200, answer
    event = json.loads(answer["body"])
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"verbose": "yes"}
    assert event["headers"]["X-Trace"] == "abc"
    assert event["body"] == '{"n": 1}'
    assert event["stageVariables"] == {"env": "test"}
    assert event["requestContext"]["stage"] == "test-invoke-stage"


def test_invoke_unknown_resource_is_not_found(apigw: Api) -> None:
    api = apigw.create()
    with pytest.raises(apigw.ag.exceptions.NotFoundException, match="Invalid Resource"):
        apigw.ag.test_invoke_method(restApiId=api, resourceId="nope12", httpMethod="GET")
