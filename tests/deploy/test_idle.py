"""The CodeDeploy engine and the alarm evaluator cost nothing while there is nothing to do:
with no deployment in progress and no metric alarm they sleep instead of ticking, and wake
(and behave as before) when a deployment is created or an alarm is put. This module runs its
own local AWS; moto's alarms are shared by the whole process, so the evaluator here is shown
only the alarms this module creates."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from lablib.aws.moto_bridge import cloudwatch as cw_bridge
from lablib.aws.server import LocalAWS
from lablib.deploy.plugin import DeployPlugin
from tests.deploy.support import appspec, group, release, wait_done
from tests.support import NO_RETRY

PREFIX = f"idle-{uuid.uuid4().hex[:6]}-"


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def local() -> Iterator[LocalAWS]:
    everything = cw_bridge.metric_alarms
    patch = pytest.MonkeyPatch()
    patch.setattr(cw_bridge, "metric_alarms",
                  lambda: [a for a in everything() if a.name.startswith(PREFIX)])  # fmt: skip
    aws = LocalAWS(set_environment=False).start()
    try:
        yield aws
    finally:
        aws.stop()
        patch.undo()


@pytest.fixture(scope="module")
def plugin(local: LocalAWS) -> DeployPlugin:
    local.client("codedeploy").list_applications()  # loads the deploy room
    (found,) = [p for p in local.plugins.loaded if isinstance(p, DeployPlugin)]
    return found


def test_engine_sleeps_without_deployments_and_wakes_for_one(
    local: LocalAWS, plugin: DeployPlugin
) -> None:
    engine = plugin.engine
    wait_for(lambda: engine.parked, "the engine to park")
    passes = engine.passes
    time.sleep(0.5)  # ten ticks of the old loop
    assert engine.passes == passes and engine.parked
    lam = local.client("lambda", config=NO_RETRY)
    cd = local.client("codedeploy")
    role = local.client("iam").create_role(RoleName=f"{PREFIX}role", AssumeRolePolicyDocument="{}")[
        "Role"
    ]["Arn"]
    function = release(lam, role, broken_v2=False)
    app, name = group(cd, role, "CodeDeployDefault.LambdaAllAtOnce")
    deployment_id = cd.create_deployment(
        applicationName=app, deploymentGroupName=name, revision=appspec(function)
    )["deploymentId"]
    assert wait_done(cd, deployment_id)["status"] == "Succeeded"
    assert engine.passes > passes
    assert lam.get_alias(FunctionName=function, Name="live")["FunctionVersion"] == "2"
    wait_for(lambda: engine.parked, "the engine to park again")


def test_evaluator_sleeps_without_alarms_and_wakes_for_one(
    local: LocalAWS, plugin: DeployPlugin
) -> None:
    evaluator = plugin.evaluator
    wait_for(lambda: evaluator.parked, "the evaluator to park")
    passes = evaluator.passes
    time.sleep(0.5)  # five passes of the old loop
    assert evaluator.passes == passes and evaluator.parked
    cloudwatch = local.client("cloudwatch")
    alarm = f"{PREFIX}high"
    cloudwatch.put_metric_alarm(
        AlarmName=alarm,
        Namespace="Lab/Idle",
        MetricName="Load",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )

    def breaching() -> bool:  # a fresh datapoint each time: the 60 s period is 1 s here
        cloudwatch.put_metric_data(
            Namespace="Lab/Idle", MetricData=[{"MetricName": "Load", "Value": 5.0}]
        )
        found = cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]
        return bool(found["StateValue"] == "ALARM")

    wait_for(breaching, "the new alarm to be evaluated")
    assert evaluator.passes > passes
    cloudwatch.delete_alarms(AlarmNames=[alarm])
    wait_for(lambda: evaluator.parked, "the evaluator to park once no alarm is left")
