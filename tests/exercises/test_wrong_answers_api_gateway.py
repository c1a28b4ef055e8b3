"""Lab 03's selection-pattern and usage-plan checks against typical wrong answers, built through
boto3 as the lab's cells do: each fails with its own diagnosis, the reference answer passes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

import lablib.labs.api_gateway.checks  # noqa: F401  (registers the checks)
from lablib.exercises import check
from lablib.labs.api_gateway.views import lambda_uri
from lablib.notebook._aws import client
from lablib.notebook.deploy import deploy, deploy_code
from tests.support import running_aws

aws = pytest.fixture(scope="module", name="aws")(running_aws)


def failure_of(result: Any) -> str:
    """The failed step, what happened and its hint, as one text (asserts a clean failure)."""
    assert not result.passed, repr(result)
    failure = result.failure
    assert failure is not None and failure.what != "the check could run", repr(result)
    return f"{failure.what} | {failure.got} | {failure.hint}"


def permit(function: str) -> None:
    client("lambda").add_permission(
        FunctionName=function,
        StatementId=f"apigw-{uuid.uuid4().hex[:8]}",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
    )


def resource(api_id: str, path: str) -> str:
    ag = client("apigateway")
    known = {r["path"]: r["id"] for r in ag.get_resources(restApiId=api_id)["items"]}
    current = "/"
    for part in [p for p in path.split("/") if p]:
        child = current.rstrip("/") + "/" + part
        if child not in known:
            known[child] = ag.create_resource(
                restApiId=api_id, parentId=known[current], pathPart=part
            )["id"]
        current = child
    return known[current]


@pytest.fixture(scope="module")
def functions(aws: object) -> None:
    deploy("api-gateway", "apiname", name="ag-apiname")
    deploy_code(
        "ag-echo",
        "import json\ndef handler(event, context):\n"
        "    return {'statusCode': 200, 'body': json.dumps(event)}\n",
    )
    permit("ag-apiname")
    permit("ag-echo")


# --- selection-pattern: the custom integration maps NotFound errors to 404 --------------------
def custom_api() -> tuple[str, str]:
    """The lab's custom-integration API of step 7, with the 400 mapping of step 8."""
    ag = client("apigateway")
    api = ag.create_rest_api(name="apiname-custom")["id"]
    rid = resource(api, "/apiname/{action}")
    at = {"restApiId": api, "resourceId": rid, "httpMethod": "GET"}
    ag.put_method(**at, authorizationType="NONE")
    ag.put_integration(
        **at,
        type="AWS",
        integrationHttpMethod="POST",
        uri=lambda_uri("ag-apiname"),
        requestTemplates={"application/json": '{"action": "$input.params(\'action\')"}'},
        passthroughBehavior="WHEN_NO_TEMPLATES",
    )
    ag.put_method_response(**at, statusCode="200")
    ag.put_integration_response(**at, statusCode="200")
    ag.put_method_response(**at, statusCode="400")
    ag.put_integration_response(**at, statusCode="400", selectionPattern="BadRequest:.*")
    ag.create_deployment(restApiId=api, stageName="custom")
    return api, rid


def map_404(api: str, rid: str, pattern: str, *, redeploy: str | None = "custom") -> None:
    ag = client("apigateway")
    at = {"restApiId": api, "resourceId": rid, "httpMethod": "GET"}
    ag.put_method_response(**at, statusCode="404")
    ag.put_integration_response(**at, statusCode="404", selectionPattern=pattern)
    if redeploy:
        ag.create_deployment(restApiId=api, stageName=redeploy)


SELECTIONS: list[tuple[str, dict[str, Any], str]] = [
    ("nothing mapped", {}, "no integration response for 404"),
    ("not redeployed", {"pattern": "NotFound:.*", "redeploy": None}, "still serves the old"),
    ("deployed to prod", {"pattern": "NotFound:.*", "redeploy": "prod"}, "still serves the old"),
    ("the error type", {"pattern": "LookupError"}, "not the error type LookupError"),
    ("part of the message", {"pattern": "NotFound"}, "matches only part"),
    ("another message", {"pattern": "Not Found.*"}, "does not match the errorMessage"),
]


def test_selection_pattern_wrong_answers(functions: None) -> None:
    seen = {}
    for mistake, cell, words in SELECTIONS:
        api, rid = custom_api()
        if cell:
            map_404(api, rid, cell["pattern"], redeploy=cell.get("redeploy", "custom"))
        seen[mistake] = failure_of(check("api-gateway/selection-pattern", api_id=api))
        assert "an unknown action answers 404" in seen[mistake], (mistake, seen[mistake])
        assert words in seen[mistake], (mistake, seen[mistake])
    assert len(set(seen.values())) == len(seen), seen
    api, rid = custom_api()
    map_404(api, rid, "NotFound:.*")
    assert check("api-gateway/selection-pattern", api_id=api).passed


# --- usage-plan: a partner key with a daily quota of 5 on stage prod --------------------------
def partner_api() -> str:
    """The demo API's /partner method of step 10 (an API key required), deployed to prod."""
    ag = client("apigateway")
    api = ag.create_rest_api(name="apiname-demo")["id"]
    rid = resource(api, "/partner")
    at = {"restApiId": api, "resourceId": rid, "httpMethod": "GET"}
    ag.put_method(**at, authorizationType="NONE", apiKeyRequired=True)
    ag.put_integration(
        **at, type="AWS_PROXY", integrationHttpMethod="POST", uri=lambda_uri("ag-echo")
    )
    ag.create_deployment(restApiId=api, stageName="prod")
    ag.create_deployment(restApiId=api, stageName="test")
    return api


def partner_key(api: str, mistake: str) -> str:
    """The exercise cell with one mistake (or none); returns the PARTNER_KEY it leaves."""
    ag = client("apigateway")
    if mistake == "the acme key of the demo":
        key = ag.create_api_key(name="partner-acme", enabled=True)
        plan = ag.create_usage_plan(
            name="acme-daily",
            apiStages=[{"apiId": api, "stage": "prod"}],
            throttle={"rateLimit": 10, "burstLimit": 5},
            quota={"limit": 3, "period": "DAY"},
        )
        ag.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        return str(key["value"])
    key = ag.create_api_key(name="partner-globex", enabled=mistake != "key not enabled")
    stages = [{"apiId": api, "stage": "test" if mistake == "plan on stage test" else "prod"}]
    quota = {"limit": 5, "period": "MONTH" if mistake == "a monthly quota" else "DAY"}
    if mistake == "quota of 6":
        quota["limit"] = 6
    throttle = {"rateLimit": 10, "burstLimit": 10}
    if mistake == "throttle of 1 per second":
        throttle = {"rateLimit": 1, "burstLimit": 1}
    plan = ag.create_usage_plan(
        name="globex-daily", apiStages=stages, quota=quota, throttle=throttle
    )
    if mistake != "key not in the plan":
        ag.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    return str(key["id"] if mistake == "the key id" else key["value"])


USAGE: list[tuple[str, str, str]] = [
    ("the key id", "first 5 calls", "that is the key's id"),
    ("key not enabled", "first 5 calls", "the key is disabled"),
    ("key not in the plan", "first 5 calls", "the key is in no usage plan"),
    ("plan on stage test", "first 5 calls", "not attached to stage prod"),
    ("the acme key of the demo", "first 5 calls", "'limit': 3"),
    ("throttle of 1 per second", "first 5 calls", "throttle is too tight"),
    ("quota of 6", "call 6 is refused", "'limit': 6"),
    ("a monthly quota", "5 calls per DAY", "MONTH"),
]


def test_usage_plan_wrong_answers(functions: None) -> None:
    seen = {}
    for mistake, step, words in USAGE:
        api = partner_api()
        key = partner_key(api, mistake)
        seen[mistake] = failure_of(check("api-gateway/usage-plan", api_id=api, key_value=key))
        assert step in seen[mistake].split(" | ")[0] and words in seen[mistake], (
            mistake,
            seen[mistake],
        )
    assert len(set(seen.values())) == len(seen), seen
    api = partner_api()
    key = partner_key(api, "the reference")
    assert check("api-gateway/usage-plan", api_id=api, key_value=key).passed


def test_learner_copy_placeholder_fails(functions: None) -> None:
    api = partner_api()
    result = check("api-gateway/usage-plan", api_id=api, key_value=...)
    assert "PARTNER_KEY is filled in | ... (the placeholder" in failure_of(result)
