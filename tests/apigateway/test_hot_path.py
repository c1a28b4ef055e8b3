"""What the warm request path keeps (or no longer looks up) between requests must never
serve a stale answer: routes after a new deployment, a removed Lambda permission, a stage
pointed at another deployment; and the 504 still fires for a warm function that may run
past the integration timeout."""

from __future__ import annotations

import json
import time

from lablib.aws import moto_bridge
from lablib.runtime.scheduler import EXIT_REPORT_WAIT_S, INIT_TIMEOUT_S
from tests.apigateway.conftest import Api

NAMED = """import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps([event["resource"], event["pathParameters"]])}
"""


def test_routes_follow_each_new_deployment(apigw: Api) -> None:
    """A route matched (and remembered) for one deployment is not served for the next: a
    literal resource added and deployed beats the greedy ``{proxy+}`` at once; pointing the
    stage back at the first deployment brings the first routes back."""
    fn = apigw.function(NAMED)
    api = apigw.create()
    apigw.proxy(api, "/items/{proxy+}", fn, verb="GET")
    first = apigw.deploy(api)
    for _ in range(3):  # repeated: whatever is remembered is remembered by now
        answer = apigw.get(api, "prod", "/items/special")
        assert answer.json() == ["/items/{proxy+}", {"proxy": "special"}]
    assert apigw.get(api, "prod", "/items/a/b").json() == ["/items/{proxy+}", {"proxy": "a/b"}]
    apigw.proxy(api, "/items/special", fn, verb="GET")
    # Not deployed yet: the stage still serves the first deployment's routes.
    assert apigw.get(api, "prod", "/items/special").json()[0] == "/items/{proxy+}"
    apigw.deploy(api)
    assert apigw.get(api, "prod", "/items/special").json() == ["/items/special", None]
    assert apigw.get(api, "prod", "/items/a/b").json() == ["/items/{proxy+}", {"proxy": "a/b"}]
    apigw.ag.update_stage(
        restApiId=api,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/deploymentId", "value": first}],
    )
    assert apigw.get(api, "prod", "/items/special").json()[0] == "/items/{proxy+}"


def test_method_removed_in_new_deployment_is_gone(apigw: Api) -> None:
    """A method deleted and redeployed answers 403 Missing Authentication Token at once."""
    fn = apigw.function(NAMED)
    api = apigw.create()
    res = apigw.proxy(api, "/gone", fn, verb="GET")
    apigw.proxy(api, "/kept", fn, verb="GET")  # AWS deploys no API without methods
    apigw.deploy(api)
    assert apigw.get(api, "prod", "/gone").status_code == 200
    assert apigw.get(api, "prod", "/gone").status_code == 200
    apigw.ag.delete_method(restApiId=api, resourceId=res, httpMethod="GET")
    apigw.deploy(api)
    answer = apigw.get(api, "prod", "/gone")
    assert (answer.status_code, answer.json()) == (403, {"message": "Missing Authentication Token"})
    assert apigw.get(api, "prod", "/kept").status_code == 200


def test_removed_permission_takes_effect_on_the_next_request(apigw: Api) -> None:
    """apigw.lambda-permission-missing-500: remove-permission is honoured by the very next
    request (500), add-permission again by the one after (200)."""
    fn = apigw.function('def handler(e, c):\n    return {"statusCode": 200, "body": "ok"}\n')
    api = apigw.create()
    apigw.proxy(api, "/x", fn, verb="GET")
    apigw.deploy(api)
    for _ in range(3):
        assert apigw.get(api, "prod", "/x").text == "ok"
    policy = apigw.lam.get_policy(FunctionName=fn)["Policy"]
    sid = json.loads(policy)["Statement"][0]["Sid"]
    apigw.lam.remove_permission(FunctionName=fn, StatementId=sid)
    answer = apigw.get(api, "prod", "/x")
    assert (answer.status_code, answer.json()) == (500, {"message": "Internal server error"})
    apigw.permit(fn)
    assert apigw.get(api, "prod", "/x").text == "ok"


def test_stage_variables_changed_take_effect_on_the_next_request(apigw: Api, echo: str) -> None:
    api = apigw.create()
    apigw.proxy(api, "/v", echo, verb="GET")
    apigw.deploy(api, "prod", variables={"colour": "red"})
    for _ in range(3):
        assert apigw.get(api, "prod", "/v").json()["stageVariables"] == {"colour": "red"}
    apigw.ag.update_stage(
        restApiId=api,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/variables/colour", "value": "blue"}],
    )
    assert apigw.get(api, "prod", "/v").json()["stageVariables"] == {"colour": "blue"}


def test_504_for_a_warm_function_whose_timeout_exceeds_the_integration_timeout(
    apigw: Api,
) -> None:
    """apigw.integration-timeout-504: an environment is warm (the function answered once),
    its timeout (10 s) is longer than the integration timeout (1 s): a slow call still gets
    504 when the integration timeout passes, while the function keeps running."""
    fn = apigw.function(
        "import time\ndef handler(e, c):\n"
        "    if (e.get('queryStringParameters') or {}).get('slow'):\n"
        "        time.sleep(6)\n"
        "    return {'statusCode': 200, 'body': 'done'}\n",
        Timeout=10,
    )
    api = apigw.create()
    apigw.method(
        api,
        "/w",
        "GET",
        {"type": "AWS_PROXY", "uri": apigw.lambda_uri(fn), "timeoutInMillis": 1000},
    )
    apigw.deploy(api)
    assert apigw.get(api, "prod", "/w").text == "done"  # cold start, then warm
    assert apigw.get(api, "prod", "/w").text == "done"
    began = time.perf_counter()
    answer = apigw.get(api, "prod", "/w?slow=1")
    assert time.perf_counter() - began < 5.5  # answered before the function's 6 s were up
    assert (answer.status_code, answer.json()) == (504, {"message": "Endpoint request timed out"})


def test_invoke_bound_is_known_only_once_an_environment_runs(apigw: Api) -> None:
    """The scheduler bounds a synchronous invoke only when an environment of the function's
    configuration already runs (a first start may set up its runtime, without bound)."""
    fn = apigw.function('def handler(e, c):\n    return {"statusCode": 200, "body": "ok"}\n')
    scheduler = apigw.aws.lambda_plane.scheduler
    config, _ = moto_bridge.resolve_function(moto_bridge.ACCOUNT_ID, "us-east-1", fn, None)
    assert scheduler.invoke_bound_s(config) is None
    apigw.lam.invoke(FunctionName=fn, Payload=b"{}")
    config, _ = moto_bridge.resolve_function(moto_bridge.ACCOUNT_ID, "us-east-1", fn, None)
    bound = scheduler.invoke_bound_s(config)
    assert bound is not None
    assert bound >= INIT_TIMEOUT_S + config.timeout_s + EXIT_REPORT_WAIT_S
