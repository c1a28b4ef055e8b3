"""Lab 03 support: every api-gateway verify key of the quiz bank is proven by a test here,
the exercise checks pass the reference solutions and fail wrong answers, and the VTL
playground renders without a kernel."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import lablib.labs.api_gateway.checks  # noqa: F401  (registers the checks)
from lablib.exercises import check
from lablib.labs.api_gateway import views as ag_lab
from tests.apigateway.conftest import Api

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def test_every_verify_key_has_a_test() -> None:
    bank = yaml.safe_load((ROOT / "quizzes" / "api-gateway.yaml").read_text())
    keys = {q["verify"] for q in bank["questions"] if q.get("verify")}
    sources = "\n".join(
        p.read_text() for p in HERE.glob("test_*.py") if p.name != Path(__file__).name
    )
    proven = set(re.findall(r'"""(apigw\.[a-z0-9-]+):', sources))
    assert keys, "the bank lists verify keys"
    assert keys <= proven, f"verify keys without a test: {sorted(keys - proven)}"


GOOD = (
    "import json\ndef handler(event, context):\n"
    "    return {'statusCode': 200, 'body': json.dumps({'id': 7, 'name': 'widget'})}\n"
)
BAD = "def handler(event, context):\n    return {'statusCode': 200, 'body': {'id': 7}}\n"


def test_proxy_response_check(aws: object) -> None:
    assert check("api-gateway/proxy-response", code=GOOD).passed
    result = check("api-gateway/proxy-response", code=BAD)
    assert not result.passed
    assert result.failure is not None and "502" in result.failure.got
    assert not check("api-gateway/proxy-response", code=...).passed  # type: ignore[arg-type]


def test_selection_pattern_check(apigw: Api) -> None:
    apigw.function(
        "def handler(e, c):\n    a = e.get('action')\n"
        "    if a != 'getcustomers':\n        raise LookupError('NotFound: ' + str(a))\n"
        "    return {'ok': True}\n",
        name="ag-apiname-check",
    )
    api = apigw.create()
    template = {"application/json": '{"action": "$input.params(\'action\')"}'}
    integration = {
        "type": "AWS",
        "uri": apigw.lambda_uri("ag-apiname-check"),
        "requestTemplates": template,
    }
    apigw.method(api, "/apiname/{action}", "GET", integration, [{"statusCode": "200"}])
    apigw.deploy(api, "custom")
    assert not check("api-gateway/selection-pattern", api_id=api).passed
    res = apigw.resource(api, "/apiname/{action}")
    apigw.ag.put_method_response(restApiId=api, resourceId=res, httpMethod="GET", statusCode="404")
    apigw.ag.put_integration_response(
        restApiId=api,
        resourceId=res,
        httpMethod="GET",
        statusCode="404",
        selectionPattern="NotFound:.*",
    )
    assert not check("api-gateway/selection-pattern", api_id=api).passed  # not redeployed yet
    apigw.deploy(api, "custom")
    assert check("api-gateway/selection-pattern", api_id=api).passed


def test_usage_plan_check(apigw: Api, echo: str) -> None:
    api = apigw.create()
    apigw.proxy(api, "/partner", echo, verb="GET", apiKeyRequired=True)
    apigw.deploy(api)
    key = apigw.ag.create_api_key(name="exercise-key", enabled=True)
    assert not check("api-gateway/usage-plan", api_id=api, key_value=key["value"]).passed
    plan = apigw.ag.create_usage_plan(
        name="exercise-plan", apiStages=[{"apiId": api, "stage": "prod"}],
        quota={"limit": 5, "period": "DAY"},
    )  # fmt: skip
    apigw.ag.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert check("api-gateway/usage-plan", api_id=api, key_value=key["value"]).passed


def test_playground_text_fallback() -> None:
    shown = ag_lab.vtl_playground("$input.json('$.a')", '{"a": {"b": 1}}')
    assert repr(shown) == '{"b":1}'
    assert ag_lab.render_template("#if($x {}", "{}").startswith(
        "TEMPLATE ERROR: Velocity syntax error"
    )
