"""CloudFormation API Gateway parts that were missing or dropped: Method with its whole
integration (MOCK, integration responses), API keys with usage plans, TOKEN authorizers,
request validators and models, gateway responses; a ``Body`` import keeps validators,
models, the API-key requirement, integration responses and binary media types."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from lablib.aws.server import LocalAWS

from .conftest import NO_RETRY, create_stack


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


MOCK = {
    "Type": "MOCK",
    "RequestTemplates": {"application/json": '{"statusCode": 200}'},
    "IntegrationResponses": [
        {"StatusCode": "200", "ResponseTemplates": {"application/json": '{"mocked": true}'}}
    ],
}


def test_method_api_key_usage_plan_validator_model_gateway_response(
    aws: LocalAWS, stack_name: str
) -> None:
    api = {"Ref": "Api"}
    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": stack_name}},
            "Validator": {
                "Type": "AWS::ApiGateway::RequestValidator",
                "Properties": {"RestApiId": api, "ValidateRequestParameters": True},
            },
            "Pet": {
                "Type": "AWS::ApiGateway::Model",
                "Properties": {
                    "RestApiId": api,
                    "Name": "Pet",
                    "ContentType": "application/json",
                    "Schema": {"type": "object", "required": ["name"]},
                },
            },
            "Method": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": api,
                    "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "HttpMethod": "GET",
                    "AuthorizationType": "NONE",
                    "ApiKeyRequired": True,
                    "RequestValidatorId": {"Fn::GetAtt": ["Validator", "RequestValidatorId"]},
                    "RequestModels": {"application/json": {"Ref": "Pet"}},
                    "RequestParameters": {"method.request.querystring.q": False},
                    "MethodResponses": [{"StatusCode": "200"}],
                    "Integration": MOCK,
                },
            },
            "Denied": {
                "Type": "AWS::ApiGateway::GatewayResponse",
                "Properties": {
                    "RestApiId": api,
                    "ResponseType": "MISSING_AUTHENTICATION_TOKEN",
                    "StatusCode": "404",
                    "ResponseTemplates": {"application/json": '{"where": "nowhere"}'},
                },
            },
            "Deployment": {
                "Type": "AWS::ApiGateway::Deployment",
                "DependsOn": ["Method"],
                "Properties": {"RestApiId": api, "StageName": "dev"},
            },
            "Key": {
                "Type": "AWS::ApiGateway::ApiKey",
                "DependsOn": ["Deployment"],
                "Properties": {"Enabled": True, "Value": "k" * 24},
            },
            "Plan": {
                "Type": "AWS::ApiGateway::UsagePlan",
                "DependsOn": ["Deployment"],
                "Properties": {
                    "ApiStages": [{"ApiId": api, "Stage": "dev"}],
                    "Throttle": {"RateLimit": 100, "BurstLimit": 200},
                    "Quota": {"Limit": 1000, "Period": "DAY"},
                },
            },
            "PlanKey": {
                "Type": "AWS::ApiGateway::UsagePlanKey",
                "Properties": {
                    "KeyId": {"Ref": "Key"},
                    "KeyType": "API_KEY",
                    "UsagePlanId": {"Ref": "Plan"},
                },
            },
        },
        "Outputs": {
            "Api": {"Value": api},
            "Key": {"Value": {"Ref": "Key"}},
            "Plan": {"Value": {"Ref": "Plan"}},
        },
    }
    out = create_stack(aws, stack_name, template)
    gateway = aws.client("apigateway", config=NO_RETRY)
    root = gateway.get_resources(restApiId=out["Api"])["items"][0]["id"]
    method = gateway.get_method(restApiId=out["Api"], resourceId=root, httpMethod="GET")
    assert method["apiKeyRequired"] is True
    assert method["requestModels"] == {"application/json": "Pet"}
    assert method["methodIntegration"]["integrationResponses"]["200"]["responseTemplates"]
    plan = gateway.get_usage_plan(usagePlanId=out["Plan"])
    assert plan["quota"]["limit"] == 1000 and plan["throttle"]["rateLimit"] == 100
    keys = gateway.get_usage_plan_keys(usagePlanId=out["Plan"])["items"]
    assert [k["id"] for k in keys] == [out["Key"]]
    base = f"{aws.endpoint}/restapis/{out['Api']}/dev/_user_request_/"
    assert _get(base)[0] == 403
    assert _get(base, {"x-api-key": "k" * 24}) == (200, '{"mocked": true}')
    assert _get(base + "nowhere", {"x-api-key": "k" * 24}) == (404, '{"where": "nowhere"}')


def test_body_import_keeps_extensions(aws: LocalAWS, stack_name: str) -> None:
    body = {
        "swagger": "2.0",
        "info": {"title": stack_name, "version": "1"},
        "x-amazon-apigateway-binary-media-types": ["image/png"],
        "x-amazon-apigateway-request-validators": {
            "all": {"validateRequestBody": True, "validateRequestParameters": True}
        },
        "securityDefinitions": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}},
        "definitions": {"Pet": {"type": "object", "required": ["name"]}},
        "paths": {
            "/pets": {
                "post": {
                    "security": [{"api_key": []}],
                    "x-amazon-apigateway-request-validator": "all",
                    "parameters": [
                        {"in": "header", "name": "trace", "required": True, "type": "string"},
                        {"in": "body", "name": "pet", "schema": {"$ref": "#/definitions/Pet"}},
                    ],
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "credentials": "arn:aws:iam::123456789012:role/api",
                        "contentHandling": "CONVERT_TO_TEXT",
                        "requestParameters": {
                            "integration.request.header.t": "method.request.header.trace"
                        },
                        "requestTemplates": {"application/json": '{"statusCode": 200}'},
                        "responses": {
                            "default": {
                                "statusCode": "200",
                                "responseTemplates": {"application/json": '{"ok": 1}'},
                            }
                        },
                    },
                }
            }
        },
    }
    template = {
        "Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": body}}},
        "Outputs": {"Api": {"Value": {"Ref": "Api"}}},
    }
    out = create_stack(aws, stack_name, template)
    gateway = aws.client("apigateway", config=NO_RETRY)
    assert gateway.get_rest_api(restApiId=out["Api"])["binaryMediaTypes"] == ["image/png"]
    validators = gateway.get_request_validators(restApiId=out["Api"])["items"]
    assert [(v["name"], v["validateRequestBody"]) for v in validators] == [("all", True)]
    assert [m["name"] for m in gateway.get_models(restApiId=out["Api"])["items"]] == ["Pet"]
    pets = next(
        r for r in gateway.get_resources(restApiId=out["Api"])["items"] if r["path"] == "/pets"
    )
    method = gateway.get_method(restApiId=out["Api"], resourceId=pets["id"], httpMethod="POST")
    assert method["apiKeyRequired"] is True
    assert method["requestValidatorId"] == validators[0]["id"]
    assert method["requestParameters"] == {"method.request.header.trace": True}
    assert method["requestModels"] == {"application/json": "Pet"}
    integration = method["methodIntegration"]
    assert integration["credentials"] == "arn:aws:iam::123456789012:role/api"
    assert integration["contentHandling"] == "CONVERT_TO_TEXT"
    assert integration["requestParameters"] == {
        "integration.request.header.t": "method.request.header.trace"
    }
    assert integration["integrationResponses"]["200"]["responseTemplates"] == {
        "application/json": '{"ok": 1}'
    }


def test_base_path_mapping_is_refused_by_name(aws: LocalAWS, stack_name: str) -> None:
    cfn = aws.client("cloudformation", config=NO_RETRY)
    template = {
        "Resources": {
            "Mapping": {
                "Type": "AWS::ApiGateway::BasePathMapping",
                "Properties": {"DomainName": "api.example.com", "RestApiId": "abc"},
            }
        }
    }
    cfn.create_stack(StackName=stack_name, TemplateBody=json.dumps(template))
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    reasons = [e.get("ResourceStatusReason", "") for e in events if "FAILED" in e["ResourceStatus"]]
    assert any("AWS::ApiGateway::BasePathMapping" in r and "custom domain" in r for r in reasons)


def _post(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, str]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_request_validation_of_parameters_and_body(aws: LocalAWS, stack_name: str) -> None:
    api = {"Ref": "Api"}
    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": stack_name}},
            "Validator": {
                "Type": "AWS::ApiGateway::RequestValidator",
                "Properties": {
                    "RestApiId": api,
                    "ValidateRequestBody": True,
                    "ValidateRequestParameters": True,
                },
            },
            "Person": {
                "Type": "AWS::ApiGateway::Model",
                "Properties": {
                    "RestApiId": api,
                    "ContentType": "application/json",
                    "Schema": {
                        "type": "object",
                        "required": ["first"],
                        "properties": {"age": {"type": "integer", "minimum": 18}},
                    },
                },
            },
            "Method": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": api,
                    "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "HttpMethod": "POST",
                    "AuthorizationType": "NONE",
                    "RequestValidatorId": {"Ref": "Validator"},
                    "RequestModels": {"$default": {"Ref": "Person"}},
                    "RequestParameters": {
                        "method.request.querystring.q": True,
                        "method.request.header.trace": True,
                    },
                    "Integration": MOCK,
                },
            },
            "Deployment": {
                "Type": "AWS::ApiGateway::Deployment",
                "DependsOn": ["Method"],
                "Properties": {"RestApiId": api, "StageName": "dev"},
            },
        },
        "Outputs": {"Api": {"Value": api}},
    }
    out = create_stack(aws, stack_name, template)
    base = f"{aws.endpoint}/restapis/{out['Api']}/dev/_user_request_/"
    good = {"first": "Ana", "age": 30}
    status, text = _post(base, good)
    assert status == 400
    assert json.loads(text) == {"message": "Missing required request parameters: [q, trace]"}
    status, text = _post(base + "?q=1", {"age": 12}, {"trace": "t"})
    assert (status, json.loads(text)) == (400, {"message": "Invalid request body"})
    assert _post(base + "?q=1", good, {"trace": "t"}) == (200, '{"mocked": true}')
