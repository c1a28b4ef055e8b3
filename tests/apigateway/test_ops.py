"""Operations: metrics, execution and access logs, gateway responses, OpenAPI import and
export."""

from __future__ import annotations

import datetime
import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.apigateway.conftest import Api


def _metric_sum(apigw: Api, name: str, api_name: str, stage: str) -> float:
    cw = apigw.aws.client("cloudwatch")
    now = datetime.datetime.now(datetime.UTC)
    stats = cw.get_metric_statistics(
        Namespace="AWS/ApiGateway", MetricName=name,
        Dimensions=[{"Name": "ApiName", "Value": api_name}, {"Name": "Stage", "Value": stage}],
        StartTime=now - datetime.timedelta(minutes=5), EndTime=now + datetime.timedelta(minutes=5),
        Period=60, Statistics=["Sum"],
    )  # fmt: skip
    return float(sum(p["Sum"] for p in stats["Datapoints"]))


def test_metrics_4xx_5xx(apigw: Api, echo: str) -> None:
    """apigw.metrics-4xx-5xx: client errors count in 4XXError, backend failures in 5XXError;
    every request in Count; Latency and IntegrationLatency are recorded."""
    failing = apigw.function("def handler(e, c):\n    raise ValueError('down')\n")
    name = f"metrics-{time.time_ns()}"
    api = apigw.create(name=name)
    apigw.proxy(api, "/ok", echo, verb="GET")
    apigw.proxy(api, "/fail", failing, verb="GET")
    apigw.deploy(api)
    for path in ("/ok", "/ok", "/nope", "/fail"):
        apigw.get(api, "prod", path)
    assert _metric_sum(apigw, "Count", name, "prod") == 4
    assert _metric_sum(apigw, "4XXError", name, "prod") == 1
    assert _metric_sum(apigw, "5XXError", name, "prod") == 1
    assert _metric_sum(apigw, "Latency", name, "prod") > 0
    assert _metric_sum(apigw, "IntegrationLatency", name, "prod") > 0


def test_cache_metrics(apigw: Api, echo: str) -> None:
    name = f"cache-{time.time_ns()}"
    api = apigw.create(name=name)
    apigw.proxy(api, "/c", echo, verb="GET")
    apigw.deploy(api)
    apigw.ag.update_stage(
        restApiId=api, stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
            {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
        ],
    )  # fmt: skip
    for _ in range(3):
        apigw.get(api, "prod", "/c")
    assert _metric_sum(apigw, "CacheMissCount", name, "prod") == 1
    assert _metric_sum(apigw, "CacheHitCount", name, "prod") == 2


def _events(apigw: Api, group: str) -> list[str]:
    logs = apigw.aws.client("logs")
    try:
        return [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
    except logs.exceptions.ResourceNotFoundException:
        return []


def test_execution_and_access_logs(apigw: Api, echo: str) -> None:
    api = apigw.create()
    apigw.proxy(api, "/l/{id}", echo, verb="GET")
    apigw.deploy(api)
    apigw.aws.client("logs").create_log_group(logGroupName=f"access-{api}")
    apigw.ag.update_stage(
        restApiId=api, stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
            {"op": "replace", "path": "/accessLogSettings/destinationArn",
             "value": f"arn:aws:logs:us-east-1:123456789012:log-group:access-{api}"},
            {"op": "replace", "path": "/accessLogSettings/format",
             "value": '{"requestId":"$context.requestId","status":"$context.status","path":"$context.resourcePath"}'},  # noqa: E501
        ],
    )  # fmt: skip
    answer = apigw.get(api, "prod", "/l/9")
    request_id = answer.headers["x-amzn-RequestId"]
    execution = _events(apigw, f"API-Gateway-Execution-Logs_{api}/prod")
    assert any(line == f"({request_id}) Method completed with status: 200" for line in execution)
    assert any('Method request path: {"id": "9"}' in line for line in execution)
    access = [json.loads(line) for line in _events(apigw, f"access-{api}")]
    assert access == [{"requestId": request_id, "status": "200", "path": "/l/{id}"}]


def test_gateway_responses_customised(apigw: Api, echo: str) -> None:
    api = apigw.create()
    apigw.proxy(api, "/g", echo, verb="GET")
    apigw.ag.put_gateway_response(
        restApiId=api, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
        responseTemplates={"application/json": '{"error": "no route", "type": "$context.error.responseType"}'},  # noqa: E501
        responseParameters={"gatewayresponse.header.X-Why": "'custom'"},
    )  # fmt: skip
    apigw.deploy(api)
    answer = apigw.get(api, "prod", "/missing")
    assert answer.status_code == 404
    assert answer.json() == {"error": "no route", "type": "MISSING_AUTHENTICATION_TOKEN"}
    assert answer.headers["X-Why"] == "custom"


OPENAPI: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "pets-from-openapi", "version": "1"},
    "paths": {
        "/pets/{id}": {
            "get": {
                "parameters": [{"name": "id", "in": "path", "required": True}],
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "mock",
                    "requestTemplates": {"application/json": '{"statusCode": 200}'},
                    "responses": {"default": {"statusCode": "200", "responseTemplates": {
                        "application/json": '{"pet": "$input.params(\'id\')"}'}}},
                },
            }
        }
    },
}  # fmt: skip


def test_openapi_import_export(apigw: Api) -> None:
    """apigw.openapi-import-export: import an OpenAPI file with
    x-amazon-apigateway-integration, deploy, call it; export it with extensions and
    re-import the export: the integration survives the round trip."""
    api = apigw.ag.import_rest_api(body=json.dumps(OPENAPI).encode())["id"]
    apigw.deploy(api, "v1")
    assert apigw.get(api, "v1", "/pets/7").json() == {"pet": "7"}
    exported = apigw.ag.get_export(
        restApiId=api, stageName="v1", exportType="oas30",
        parameters={"extensions": "integrations"}, accepts="application/json",
    )["body"].read()  # fmt: skip
    document = json.loads(exported)
    assert (
        document["paths"]["/pets/{id}"]["get"]["x-amazon-apigateway-integration"]["type"] == "mock"
    )
    plain = json.loads(
        apigw.ag.get_export(restApiId=api, stageName="v1", exportType="oas30")["body"].read()
    )
    assert "x-amazon-apigateway-integration" not in plain["paths"]["/pets/{id}"]["get"]
    again = apigw.ag.import_rest_api(body=exported)["id"]
    apigw.deploy(again, "v1")
    assert apigw.get(again, "v1", "/pets/8").json() == {"pet": "8"}


def test_put_rest_api_overwrite_and_swagger(apigw: Api) -> None:
    api = apigw.create()
    apigw.ag.put_rest_api(restApiId=api, mode="overwrite", body=json.dumps(OPENAPI).encode())
    apigw.deploy(api)
    assert apigw.get(api, "prod", "/pets/1").json() == {"pet": "1"}
    swagger = dict(OPENAPI, swagger="2.0")
    swagger.pop("openapi")
    imported = apigw.ag.import_rest_api(body=json.dumps(swagger).encode())["id"]
    apigw.deploy(imported)
    assert apigw.get(imported, "prod", "/pets/2").json() == {"pet": "2"}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"", "empty"),
        (b"[1, 2]", "must be an object"),
        (b'{"info": {"title": "x"}, "paths": {}}', "openapi: 3.0.x"),
        (b'{"openapi": "3.0.1", "info": {}, "paths": {}}', "info.title"),
        (
            b'{"openapi": "3.0.1", "info": {"title": "x"}, "paths": {"pets": {}}}',
            "must start with '/'",
        ),
        (b"openapi: [unclosed", "not JSON or YAML"),
    ],
)
def test_bad_openapi_clear_error(apigw: Api, body: bytes, needle: str) -> None:
    with pytest.raises(ClientError) as caught:
        apigw.ag.import_rest_api(body=body)
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
    assert needle in caught.value.response["Error"]["Message"]
    assert apigw.ag.get_rest_apis()["items"] is not None  # server still up
