"""A hook that never reports: after 1 hour (AWS time) the lifecycle event fails and the
deployment fails with HOOK_EXECUTION_FAILURE. This module runs its own local AWS with a
3600x lab clock so that hour takes one second."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lablib.aws.server import LocalAWS
from tests.deploy.support import appspec, group, hook, release, wait_done
from tests.support import NO_RETRY


@pytest.fixture(scope="module")
def fast() -> Iterator[LocalAWS]:
    local = LocalAWS(clock_scale=3600, set_environment=False).start()
    try:
        yield local
    finally:
        local.stop()


def test_hook_that_never_reports_times_out(fast: LocalAWS) -> None:
    lam = fast.client("lambda", config=NO_RETRY)
    cd = fast.client("codedeploy")
    role = fast.client("iam").create_role(
        RoleName=f"timeout-role-{id(fast)}", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    function = release(lam, role, broken_v2=False)
    silent = hook(lam, role, result="none")
    app, name = group(
        cd, role, "CodeDeployDefault.LambdaAllAtOnce", rollback_events=["DEPLOYMENT_FAILURE"]
    )
    deployment_id = cd.create_deployment(
        applicationName=app, deploymentGroupName=name, revision=appspec(function, before=silent)
    )["deploymentId"]
    info = wait_done(cd, deployment_id, timeout=20)
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    assert "within 1 hour" in info["errorInformation"]["message"]
    took = (info["completeTime"] - info["startTime"]).total_seconds()
    assert 0.9 <= took <= 10, took  # one AWS hour at 3600x
    target = cd.get_deployment_target(deploymentId=deployment_id, targetId=f"{function}:live")
    events = target["deploymentTarget"]["lambdaTarget"]["lifecycleEvents"]
    before = next(e for e in events if e["lifecycleEventName"] == "BeforeAllowTraffic")
    assert before["status"] == "Failed"
    assert lam.get_alias(FunctionName=function, Name="live")["FunctionVersion"] == "1"
