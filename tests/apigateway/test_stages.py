"""Stages: stage variables choosing Lambda aliases, canary releases, throttling, the stage
cache, and the integration timeout."""

from __future__ import annotations

import collections
import concurrent.futures
import time

from tests.apigateway.conftest import Api
from tests.support import wait_until

VERSIONED = """import os
def handler(event, context):
    return {"statusCode": 200, "body": os.environ.get("V", "?") + ":" + context.function_version}
"""


def _versions(apigw: Api) -> str:
    """A function with versions 1 (V=one) and 2 (V=two) and aliases DEV -> 2, PROD -> 1."""
    fn = apigw.function(VERSIONED, permit=False, Environment={"Variables": {"V": "one"}})
    one = apigw.lam.publish_version(FunctionName=fn)["Version"]
    apigw.lam.update_function_configuration(
        FunctionName=fn, Environment={"Variables": {"V": "two"}}
    )
    two = apigw.lam.publish_version(FunctionName=fn)["Version"]
    apigw.lam.create_alias(FunctionName=fn, Name="PROD", FunctionVersion=one)
    apigw.lam.create_alias(FunctionName=fn, Name="DEV", FunctionVersion=two)
    return fn


def test_stage_variable_alias(apigw: Api) -> None:
    """apigw.stage-variable-alias: :${stageVariables.lambdaAlias} in the URI sends dev to
    the DEV alias and prod to the PROD alias; each alias needs its own permission."""
    fn = _versions(apigw)
    api = apigw.create()
    uri = apigw.lambda_uri(fn, ":${stageVariables.lambdaAlias}")
    apigw.method(api, "/v", "GET", {"type": "AWS_PROXY", "uri": uri})
    apigw.deploy(api, "dev", variables={"lambdaAlias": "DEV"})
    apigw.deploy(api, "prod", variables={"lambdaAlias": "PROD"})
    apigw.permit(fn, "DEV")
    assert apigw.get(api, "dev", "/v").text == "two:2"
    # prod's alias has no permission yet: 500, as on AWS ("Invalid permissions on Lambda function")
    assert apigw.get(api, "prod", "/v").status_code == 500
    apigw.permit(fn, "PROD")
    assert apigw.get(api, "prod", "/v").text == "one:1"


def test_undefined_stage_variable_in_uri_500(apigw: Api, echo: str) -> None:
    api = apigw.create()
    apigw.method(
        api,
        "/v",
        "GET",
        {"type": "AWS_PROXY", "uri": apigw.lambda_uri(echo, ":${stageVariables.nope}")},
    )
    apigw.deploy(api)
    assert apigw.get(api, "prod", "/v").status_code == 500


def _canary_api(apigw: Api) -> tuple[str, str]:
    fn = _versions(apigw)
    apigw.permit(fn, "DEV")
    apigw.permit(fn, "PROD")
    api = apigw.create()
    uri = apigw.lambda_uri(fn, ":${stageVariables.lambdaAlias}")
    apigw.method(api, "/v", "GET", {"type": "AWS_PROXY", "uri": uri})
    apigw.deploy(api, "prod", variables={"lambdaAlias": "PROD"})
    return api, fn


def test_canary_split_and_rollback(apigw: Api) -> None:
    """apigw.canary-rollback: a canary deployment takes percentTraffic of the stage's
    requests; setting it to 0 (or removing the canary) sends all traffic back."""
    api, _ = _canary_api(apigw)
    apigw.deploy(
        api, "prod",
        canarySettings={"percentTraffic": 30.0, "stageVariableOverrides": {"lambdaAlias": "DEV"}},
    )  # fmt: skip
    stage = apigw.ag.get_stage(restApiId=api, stageName="prod")
    assert stage["canarySettings"]["percentTraffic"] == 30.0
    assert stage["variables"] == {"lambdaAlias": "PROD"}
    seen = collections.Counter(apigw.get(api, "prod", "/v").text for _ in range(200))
    assert set(seen) == {"one:1", "two:2"}
    assert 30 <= seen["two:2"] <= 90  # about 30 % of 200
    apigw.ag.update_stage(
        restApiId=api, stageName="prod",
        patchOperations=[{"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0"}],
    )  # fmt: skip
    assert {apigw.get(api, "prod", "/v").text for _ in range(30)} == {"one:1"}
    apigw.ag.update_stage(
        restApiId=api, stageName="prod",
        patchOperations=[{"op": "remove", "path": "/canarySettings"}],
    )  # fmt: skip
    assert "canarySettings" not in apigw.ag.get_stage(restApiId=api, stageName="prod")


def test_canary_promotion(apigw: Api) -> None:
    api, _ = _canary_api(apigw)
    apigw.proxy(api, "/new", "apigw-echo", verb="GET")
    apigw.deploy(api, "prod", canarySettings={"percentTraffic": 0.0})
    canary = apigw.ag.get_stage(restApiId=api, stageName="prod")["canarySettings"]
    assert apigw.get(api, "prod", "/new").status_code == 403  # not promoted yet
    apigw.ag.update_stage(
        restApiId=api, stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/deploymentId", "value": canary["deploymentId"]},
            {"op": "remove", "path": "/canarySettings"},
        ],
    )  # fmt: skip
    assert apigw.get(api, "prod", "/new").status_code == 200


def test_throttle_429(apigw: Api, echo: str) -> None:
    """apigw.throttle-429: a token bucket (rate, burst): a burst beyond the bucket gets
    429 {"message":"Too Many Requests"}; tokens refill at the rate.

    The rate is one token per 10 s, so no token comes back while the burst is served even on
    a loaded machine (a rate of 2/s refilled during a slow burst)."""
    api = apigw.create()
    apigw.proxy(api, "/t", echo, verb="GET")
    apigw.deploy(api)
    apigw.settings(api, "prod", **{"throttling/rateLimit": "0.1", "throttling/burstLimit": "5"})
    began = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(lambda _: apigw.get(api, "prod", "/t").status_code, range(10)))
    assert codes.count(200) <= 6 and codes.count(429) >= 4
    throttled = apigw.get(api, "prod", "/t")
    assert throttled.status_code == 429
    assert throttled.text == '{"message":"Too Many Requests"}'
    wait_until(lambda: apigw.get(api, "prod", "/t").status_code == 200, every=0.5, what="a 200")
    assert time.monotonic() - began >= 10 - 0.05  # not before the next token (1 / rate)


def test_method_throttle_overrides_stage(apigw: Api, echo: str) -> None:
    api = apigw.create()
    apigw.proxy(api, "/slow", echo, verb="GET")
    apigw.proxy(api, "/fast", echo, verb="GET")
    apigw.deploy(api)
    apigw.ag.update_stage(
        restApiId=api, stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/~1slow/GET/throttling/burstLimit", "value": "1"},
            {"op": "replace", "path": "/~1slow/GET/throttling/rateLimit", "value": "0.01"},
        ],
    )  # fmt: skip
    assert [apigw.get(api, "prod", "/slow").status_code for _ in range(3)] == [200, 429, 429]
    assert {apigw.get(api, "prod", "/fast").status_code for _ in range(5)} == {200}


def test_redeploy_keeps_stage_settings(apigw: Api, echo: str) -> None:
    api = apigw.create()
    apigw.proxy(api, "/t", echo, verb="GET")
    apigw.deploy(api, "prod", variables={"a": "1"})
    apigw.settings(api, "prod", **{"throttling/rateLimit": "7"})
    apigw.deploy(api, "prod")
    stage = apigw.ag.get_stage(restApiId=api, stageName="prod")
    assert stage["variables"] == {"a": "1"}
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 7.0


def test_cache_hit(apigw: Api) -> None:
    """apigw.cache-hit: with the stage cache on, identical GETs within the TTL are served
    without calling the backend; cache key parameters split the cache."""
    fn = apigw.function(
        "import time\ndef handler(e, c):\n"
        "    return {'statusCode': 200, 'body': str(time.time_ns())}\n"
    )
    api = apigw.create()
    res = apigw.proxy(api, "/cat", fn, verb="GET")
    apigw.ag.put_integration(
        restApiId=api, resourceId=res, httpMethod="GET", type="AWS_PROXY",
        integrationHttpMethod="POST", uri=apigw.lambda_uri(fn),
        cacheKeyParameters=["method.request.querystring.page"],
    )  # fmt: skip
    apigw.deploy(api)
    apigw.ag.update_stage(
        restApiId=api, stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
            {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
            {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": "5"},
        ],
    )  # fmt: skip
    first = apigw.get(api, "prod", "/cat?page=1").text
    assert apigw.get(api, "prod", "/cat?page=1").text == first  # hit (5 s TTL: even if slow)
    other = apigw.get(api, "prod", "/cat?page=2").text
    assert other != first  # a different cache key
    time.sleep(5.1)
    assert apigw.get(api, "prod", "/cat?page=1").text != first  # expired after the TTL
    apigw.ag.flush_stage_cache(restApiId=api, stageName="prod")
    assert apigw.get(api, "prod", "/cat?page=2").text != other


def test_integration_timeout_504(apigw: Api) -> None:
    """apigw.integration-timeout-504: a backend slower than the integration timeout gives
    504 {"message": "Endpoint request timed out"}; the function keeps running.

    The backend takes 6 s, so the 504 after 0.3 s arrives well before it ends even when the
    machine is loaded."""
    fn = apigw.function(
        "import time\ndef handler(e, c):\n    time.sleep(6)\n"
        "    print('finished anyway')\n    return {'statusCode': 200, 'body': 'late'}\n",
        Timeout=20,
    )
    api = apigw.create()
    apigw.method(
        api,
        "/slow",
        "GET",
        {"type": "AWS_PROXY", "uri": apigw.lambda_uri(fn), "timeoutInMillis": 300},
    )
    apigw.deploy(api)
    began = time.perf_counter()
    answer = apigw.get(api, "prod", "/slow")
    assert time.perf_counter() - began < 5  # the backend was still running
    assert answer.status_code == 504
    assert answer.json() == {"message": "Endpoint request timed out"}
    logs = apigw.aws.client("logs")

    def finished() -> bool:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{fn}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return False
        return any("finished anyway" in e["message"] for e in events)

    wait_until(finished, every=0.2, what="the function's own end in its logs")
