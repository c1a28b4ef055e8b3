"""API keys and usage plans (throttle, quota, GetUsage), Lambda authorizers, IAM and
resource policies."""

from __future__ import annotations

import datetime
import json

from tests.apigateway.conftest import Api

AUTHORIZER = """
def handler(event, context):
    token = event.get("authorizationToken") or (event.get("headers") or {}).get("X-Token", "")
    if token == "crash":
        raise RuntimeError("bug in authorizer")
    if token == "nobody":
        raise Exception("Unauthorized")
    effect = "Allow" if token.startswith("allow") else "Deny"
    return {
        "principalId": "user-" + token,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
        "context": {"tier": "gold", "n": 3},
    }
"""


def _keyed_api(apigw: Api, echo: str, **plan: object) -> tuple[str, str, str, str]:
    api = apigw.create()
    apigw.proxy(api, "/k", echo, verb="GET", apiKeyRequired=True)
    apigw.deploy(api)
    key = apigw.ag.create_api_key(name=f"key-{api}", enabled=True)
    usage = apigw.ag.create_usage_plan(
        name=f"plan-{api}", apiStages=[{"apiId": api, "stage": "prod"}], **plan
    )
    apigw.ag.create_usage_plan_key(usagePlanId=usage["id"], keyId=key["id"], keyType="API_KEY")
    return api, key["id"], key["value"], usage["id"]


def test_api_key_forbidden(apigw: Api, echo: str) -> None:
    """apigw.api-key-forbidden: API key required and no (or an unknown) x-api-key -> 403
    {"message":"Forbidden"}; a key in a plan for this stage -> 200."""
    api, key_id, value, _ = _keyed_api(apigw, echo)
    missing = apigw.get(api, "prod", "/k")
    assert (missing.status_code, missing.text) == (403, '{"message":"Forbidden"}')
    assert apigw.get(api, "prod", "/k", headers={"x-api-key": "wrong"}).status_code == 403
    ok = apigw.get(api, "prod", "/k", headers={"x-api-key": value})
    assert ok.status_code == 200
    identity = ok.json()["requestContext"]["identity"]
    assert (identity["apiKey"], identity["apiKeyId"]) == (value, key_id)


def test_api_key_not_in_usage_plan_forbidden(apigw: Api, echo: str) -> None:
    """apigw.api-key-forbidden: a valid key that is in no usage plan of this stage -> 403."""
    api = apigw.create()
    apigw.proxy(api, "/k", echo, verb="GET", apiKeyRequired=True)
    apigw.deploy(api)
    key = apigw.ag.create_api_key(name="lonely", enabled=True)
    assert apigw.get(api, "prod", "/k", headers={"x-api-key": key["value"]}).status_code == 403
    plan = apigw.ag.create_usage_plan(name="p", apiStages=[{"apiId": api, "stage": "prod"}])
    apigw.ag.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert apigw.get(api, "prod", "/k", headers={"x-api-key": key["value"]}).status_code == 200


def test_quota_429_limit_exceeded(apigw: Api, echo: str) -> None:
    """apigw.quota-429-limit-exceeded: once the plan's quota is spent -> 429
    {"message":"Limit Exceeded"}; GetUsage reports used and remaining per day."""
    api, key_id, value, plan = _keyed_api(apigw, echo, quota={"limit": 3, "period": "DAY"})
    codes = [
        apigw.get(api, "prod", "/k", headers={"x-api-key": value}).status_code for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    spent = apigw.get(api, "prod", "/k", headers={"x-api-key": value})
    assert spent.text == '{"message":"Limit Exceeded"}'
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    usage = apigw.ag.get_usage(usagePlanId=plan, startDate=today, endDate=today)
    assert usage["items"] == {key_id: [[3, 0]]}


def test_usage_plan_throttle(apigw: Api, echo: str) -> None:
    api, _, value, _ = _keyed_api(apigw, echo, throttle={"rateLimit": 0.01, "burstLimit": 2})
    codes = [
        apigw.get(api, "prod", "/k", headers={"x-api-key": value}).status_code for _ in range(4)
    ]
    assert codes == [200, 200, 429, 429]
    assert apigw.get(api, "prod", "/k", headers={"x-api-key": value}).json() == {
        "message": "Too Many Requests"
    }


def test_disabled_key_forbidden(apigw: Api, echo: str) -> None:
    api, key_id, value, _ = _keyed_api(apigw, echo)
    apigw.ag.update_api_key(
        apiKey=key_id, patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}]
    )
    assert apigw.get(api, "prod", "/k", headers={"x-api-key": value}).status_code == 403


def _authorized_api(apigw: Api, echo: str, kind: str = "TOKEN", ttl: int = 300) -> tuple[str, str]:
    fn = apigw.function(AUTHORIZER)
    api = apigw.create()
    source = (
        "method.request.header.Authorization"
        if kind == "TOKEN"
        else "method.request.header.X-Token"
    )
    auth = apigw.ag.create_authorizer(
        restApiId=api, name="auth", type=kind, authorizerUri=apigw.lambda_uri(fn),
        identitySource=source, authorizerResultTtlInSeconds=ttl,
    )["id"]  # fmt: skip
    apigw.proxy(api, "/secure", echo, verb="GET", authorizationType="CUSTOM", authorizerId=auth)
    apigw.deploy(api)
    return api, fn


def test_authorizer_401_403(apigw: Api, echo: str) -> None:
    """apigw.authorizer-401-403: no token -> 401 Unauthorized; an explicit Deny policy ->
    403 "User is not authorized to access this resource with an explicit deny"."""
    api, _ = _authorized_api(apigw, echo)
    missing = apigw.get(api, "prod", "/secure")
    assert (missing.status_code, missing.json()) == (401, {"message": "Unauthorized"})
    denied = apigw.get(api, "prod", "/secure", headers={"Authorization": "deny-me"})
    assert denied.status_code == 403
    assert denied.json() == {
        "Message": "User is not authorized to access this resource with an explicit deny"
    }
    unauthorized = apigw.get(api, "prod", "/secure", headers={"Authorization": "nobody"})
    assert unauthorized.status_code == 401
    crashed = apigw.get(api, "prod", "/secure", headers={"Authorization": "crash"})
    assert crashed.status_code == 500
    ok = apigw.get(api, "prod", "/secure", headers={"Authorization": "allow-ann"})
    assert ok.status_code == 200
    authorizer = ok.json()["requestContext"]["authorizer"]
    assert authorizer == {"principalId": "user-allow-ann", "tier": "gold", "n": 3}


def test_authorizer_cache_by_token(apigw: Api, echo: str) -> None:
    api, fn = _authorized_api(apigw, echo, ttl=300)
    for _ in range(3):
        assert (
            apigw.get(api, "prod", "/secure", headers={"Authorization": "allow-1"}).status_code
            == 200
        )
    apigw.get(api, "prod", "/secure", headers={"Authorization": "allow-2"})
    logs = apigw.aws.client("logs")
    import time

    deadline = time.time() + 60
    starts = 0
    while time.time() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{fn}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        starts = sum(e["message"].startswith("START") for e in events)
        if starts >= 2:
            break
        time.sleep(0.2)
    assert starts == 2  # allow-1 once (then cached), allow-2 once


def test_request_authorizer(apigw: Api, echo: str) -> None:
    api, _ = _authorized_api(apigw, echo, kind="REQUEST", ttl=0)
    assert apigw.get(api, "prod", "/secure").status_code == 401
    assert apigw.get(api, "prod", "/secure", headers={"X-Token": "allow-x"}).status_code == 200
    assert apigw.get(api, "prod", "/secure", headers={"X-Token": "deny-x"}).status_code == 403


def test_iam_auth_requires_sigv4_header(apigw: Api, echo: str) -> None:
    api = apigw.create()
    apigw.proxy(api, "/iam", echo, verb="GET", authorizationType="AWS_IAM")
    apigw.deploy(api)
    unsigned = apigw.get(api, "prod", "/iam")
    assert (unsigned.status_code, unsigned.json()) == (
        403,
        {"message": "Missing Authentication Token"},
    )
    bad = apigw.get(api, "prod", "/iam", headers={"Authorization": "AWS4-HMAC-SHA256 Signature=x"})
    assert bad.status_code == 403
    assert "Credential" in bad.json()["message"]
    signed = apigw.get(
        api, "prod", "/iam",
        headers={"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/"
                 "execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
                 "X-Amz-Date": "20250101T000000Z"},
    )  # fmt: skip
    assert signed.status_code == 200


def test_resource_policy_ip_deny(apigw: Api, echo: str) -> None:
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},  # noqa: E501
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*/GET/blocked", "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}},  # noqa: E501
    ]}  # fmt: skip
    api = apigw.create(policy=json.dumps(policy))
    apigw.proxy(api, "/open", echo, verb="GET")
    apigw.proxy(api, "/blocked", echo, verb="GET")
    apigw.deploy(api)
    assert apigw.get(api, "prod", "/open").status_code == 200
    blocked = apigw.get(api, "prod", "/blocked")
    assert blocked.status_code == 403
    assert "explicit deny" in blocked.json()["message"]
