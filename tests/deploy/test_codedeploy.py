"""CodeDeploy for Lambda, executed on the lab clock, driven through boto3 only."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.deploy import support
from tests.deploy.support import appspec, error_alarm, group, hook, release, traffic, wait_done


@pytest.fixture(scope="module")
def cd(aws: Any) -> Any:
    return aws.client("codedeploy")


@pytest.fixture(scope="module")
def cloudwatch(aws: Any) -> Any:
    return aws.client("cloudwatch")


@pytest.fixture(scope="module")
def fast_canary(cd: Any) -> str:
    """A custom config: 10 % for 1 AWS minute (1 s at 60x), then the rest."""
    cd.create_deployment_config(
        deploymentConfigName="Canary10Percent1Minute",
        computePlatform="Lambda",
        trafficRoutingConfig={
            "type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 1},
        },
    )
    return "Canary10Percent1Minute"


def alias_of(lam: Any, function: str) -> dict[str, Any]:
    config: dict[str, Any] = lam.get_alias(FunctionName=function, Name="live")
    return config


def test_predefined_configs_are_listed_with_their_routing(cd: Any) -> None:
    names = cd.list_deployment_configs()["deploymentConfigsList"]
    for name in (
        "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        "CodeDeployDefault.LambdaCanary10Percent30Minutes",
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
        "CodeDeployDefault.LambdaAllAtOnce",
    ):
        assert name in names
    info = cd.get_deployment_config(
        deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes"
    )["deploymentConfigInfo"]
    assert info["computePlatform"] == "Lambda"
    assert info["trafficRoutingConfig"] == {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 5},
    }
    linear = cd.get_deployment_config(
        deploymentConfigName="CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
    )["deploymentConfigInfo"]["trafficRoutingConfig"]
    assert linear["timeBasedLinear"] == {"linearPercentage": 10, "linearInterval": 1}


def test_custom_config_validation(cd: Any, fast_canary: str) -> None:
    info = cd.get_deployment_config(deploymentConfigName=fast_canary)["deploymentConfigInfo"]
    assert info["trafficRoutingConfig"]["timeBasedCanary"]["canaryInterval"] == 1
    assert fast_canary in cd.list_deployment_configs()["deploymentConfigsList"]
    with pytest.raises(ClientError) as info_:
        cd.create_deployment_config(
            deploymentConfigName=fast_canary,
            computePlatform="Lambda",
            trafficRoutingConfig={"type": "AllAtOnce"},
        )
    assert info_.value.response["Error"]["Code"] == "DeploymentConfigAlreadyExistsException"
    with pytest.raises(ClientError) as info_:
        cd.create_deployment_config(
            deploymentConfigName="too-big",
            computePlatform="Lambda",
            trafficRoutingConfig={
                "type": "TimeBasedLinear",
                "timeBasedLinear": {"linearPercentage": 150, "linearInterval": 1},
            },
        )
    assert info_.value.response["Error"]["Code"] == "InvalidTrafficRoutingConfigurationException"
    with pytest.raises(ClientError) as info_:
        cd.get_deployment_config(deploymentConfigName="nope")
    assert info_.value.response["Error"]["Code"] == "DeploymentConfigDoesNotExistException"
    with pytest.raises(ClientError) as info_:
        cd.delete_deployment_config(deploymentConfigName="CodeDeployDefault.LambdaAllAtOnce")
    assert info_.value.response["Error"]["Code"] == "InvalidOperationException"


def test_group_shows_alarms_rollback_and_config(aws: Any, cd: Any, role: str) -> None:
    app, name = group(
        cd,
        role,
        "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        alarms=["some-alarm"],
        rollback_events=["DEPLOYMENT_STOP_ON_ALARM"],
    )
    info = cd.get_deployment_group(applicationName=app, deploymentGroupName=name)[
        "deploymentGroupInfo"
    ]
    assert info["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert info["computePlatform"] == "Lambda"
    assert info["alarmConfiguration"]["enabled"] is True
    assert info["alarmConfiguration"]["alarms"] == [{"name": "some-alarm"}]
    assert info["autoRollbackConfiguration"]["events"] == ["DEPLOYMENT_STOP_ON_ALARM"]
    with pytest.raises(ClientError) as info_:
        cd.create_deployment_group(
            applicationName=app,
            deploymentGroupName="server-config",
            deploymentConfigName="CodeDeployDefault.OneAtATime",
            serviceRoleArn=role,
        )
    assert info_.value.response["Error"]["Code"] == "InvalidDeploymentConfigNameException"


def test_good_version_canary_succeeds(
    aws: Any, lam: Any, cd: Any, cloudwatch: Any, role: str
) -> None:
    """The predefined 10 % / 5 minute canary (5 s here): hooks run, traffic shifts 10 % then
    100 %, the alarm stays quiet and the deployment succeeds."""
    function = release(lam, role, broken_v2=False)
    before, after = hook(lam, role), hook(lam, role)
    alarm = error_alarm(cloudwatch, function)
    app, name = group(
        cd,
        role,
        "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        alarms=[alarm],
        rollback_events=["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
    )
    with traffic(lam, function) as seen:
        deployment_id = cd.create_deployment(
            applicationName=app,
            deploymentGroupName=name,
            revision=appspec(function, before=before, after=after),
        )["deploymentId"]
        created = cd.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        assert created["status"] in ("Created", "InProgress")
        info = wait_done(cd, deployment_id)
    assert info["status"] == "Succeeded", info.get("errorInformation")
    assert info["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert info["createTime"] <= info["startTime"] <= info["completeTime"]
    took = (info["completeTime"] - info["startTime"]).total_seconds()
    assert 4.5 <= took <= 20, took  # 5 AWS minutes on the 60x lab clock
    assert "errorInformation" not in info
    assert info["computePlatform"] == "Lambda"
    assert alias_of(lam, function)["FunctionVersion"] == "2"
    assert not (alias_of(lam, function).get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    assert 0.1 in seen["weights"] and seen["weights"][-1] == 1.0
    assert seen["errors"] == 0
    target = cd.get_deployment_target(deploymentId=deployment_id, targetId=f"{function}:live")
    events = target["deploymentTarget"]["lambdaTarget"]["lifecycleEvents"]
    assert [(e["lifecycleEventName"], e["status"]) for e in events] == [
        ("Start", "Succeeded"),
        ("BeforeAllowTraffic", "Succeeded"),
        ("AllowTraffic", "Succeeded"),
        ("AfterAllowTraffic", "Succeeded"),
        ("End", "Succeeded"),
    ]


def test_va_codedeploy_hook_order(aws: Any, lam: Any, cd: Any, role: str, fast_canary: str) -> None:
    """va.codedeploy-hook-order: BeforeAllowTraffic runs before any traffic shifts,
    AfterAllowTraffic after all of it has."""
    function = release(lam, role, broken_v2=False)
    before, after = hook(lam, role), hook(lam, role)
    app, name = group(cd, role, fast_canary)
    deployment_id = cd.create_deployment(
        applicationName=app,
        deploymentGroupName=name,
        revision=appspec(function, before=before, after=after),
    )["deploymentId"]
    assert wait_done(cd, deployment_id)["status"] == "Succeeded"
    target = cd.get_deployment_target(deploymentId=deployment_id, targetId=f"{function}:live")
    events = {
        e["lifecycleEventName"]: e
        for e in target["deploymentTarget"]["lambdaTarget"]["lifecycleEvents"]
    }
    assert events["BeforeAllowTraffic"]["endTime"] <= events["AllowTraffic"]["startTime"]
    assert events["AllowTraffic"]["endTime"] <= events["AfterAllowTraffic"]["startTime"]
    assert events["AfterAllowTraffic"]["endTime"] <= events["End"]["endTime"]
    # the hooks really ran, each once, with the deployment id in their event
    for fn in (before, after):
        streams = aws.client("logs").describe_log_streams(logGroupName=f"/aws/lambda/{fn}")
        assert streams["logStreams"]


def test_va_codedeploy_alarm_rollback(
    aws: Any, lam: Any, cd: Any, cloudwatch: Any, role: str, fast_canary: str
) -> None:
    """va.codedeploy-alarm-rollback: the broken version trips the alias's Errors alarm during
    the canary; CodeDeploy stops the deployment and puts all traffic back on version 1."""
    function = release(lam, role, broken_v2=True)
    alarm = error_alarm(cloudwatch, function)
    app, name = group(
        cd,
        role,
        "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        alarms=[alarm],
        rollback_events=["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
    )
    with traffic(lam, function) as seen:
        deployment_id = cd.create_deployment(
            applicationName=app, deploymentGroupName=name, revision=appspec(function)
        )["deploymentId"]
        info = wait_done(cd, deployment_id)
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert alarm in info["errorInformation"]["message"]
    rollback_id = info["rollbackInfo"]["rollbackDeploymentId"]
    rollback = cd.get_deployment(deploymentId=rollback_id)["deploymentInfo"]
    assert rollback["creator"] == "codeDeployRollback"
    assert rollback["status"] == "Succeeded"
    assert rollback["rollbackInfo"]["rollbackTriggeringDeploymentId"] == deployment_id
    config = alias_of(lam, function)
    assert config["FunctionVersion"] == "1"
    assert not (config.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    assert seen["errors"] >= 1 and seen["versions"].get("2", 0) >= 1
    assert max(seen["weights"]) < 1.0  # never got past the canary
    state = cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]
    history = cloudwatch.describe_alarm_history(AlarmName=alarm, HistoryItemType="StateUpdate")
    assert any("to ALARM" in item["HistorySummary"] for item in history["AlarmHistoryItems"])
    assert state["StateValue"] in ("ALARM", "OK")
    after = [
        lam.invoke(FunctionName=function, Qualifier="live")["ExecutedVersion"] for _ in range(5)
    ]
    assert after == ["1"] * 5


def test_hook_failure_rolls_back(aws: Any, lam: Any, cd: Any, role: str, fast_canary: str) -> None:
    """An AfterAllowTraffic hook that reports Failed fails the deployment; with
    DEPLOYMENT_FAILURE rollback the alias goes back to version 1."""
    function = release(lam, role, broken_v2=False)
    after = hook(lam, role, result="Failed")
    app, name = group(cd, role, fast_canary, rollback_events=["DEPLOYMENT_FAILURE"])
    deployment_id = cd.create_deployment(
        applicationName=app, deploymentGroupName=name, revision=appspec(function, after=after)
    )["deploymentId"]
    info = wait_done(cd, deployment_id)
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    assert "AfterAllowTraffic" in info["errorInformation"]["message"]
    assert "rollbackInfo" in info, info
    assert info["rollbackInfo"]["rollbackDeploymentId"]
    assert alias_of(lam, function)["FunctionVersion"] == "1"


def test_before_hook_failure_shifts_nothing(lam: Any, cd: Any, role: str, fast_canary: str) -> None:
    function = release(lam, role, broken_v2=False)
    before = hook(lam, role, result="Failed")
    app, name = group(cd, role, fast_canary)
    deployment_id = cd.create_deployment(
        applicationName=app, deploymentGroupName=name, revision=appspec(function, before=before)
    )["deploymentId"]
    info = wait_done(cd, deployment_id)
    assert (info["status"], info["errorInformation"]["code"]) == (
        "Failed",
        "HOOK_EXECUTION_FAILURE",
    )
    assert "rollbackInfo" not in info
    config = alias_of(lam, function)
    assert config["FunctionVersion"] == "1"
    assert not (config.get("RoutingConfig") or {}).get("AdditionalVersionWeights")


def test_linear_shifts_ten_percent_per_minute(lam: Any, cd: Any, role: str) -> None:
    """LambdaLinear10PercentEvery1Minute: 10 %, 20 %, ... 90 %, then 100 % (9 s here)."""
    function = release(lam, role, broken_v2=False)
    app, name = group(cd, role, "CodeDeployDefault.LambdaLinear10PercentEvery1Minute")
    with traffic(lam, function) as seen:
        deployment_id = cd.create_deployment(
            applicationName=app, deploymentGroupName=name, revision=appspec(function)
        )["deploymentId"]
        assert wait_done(cd, deployment_id)["status"] == "Succeeded"
    steps = sorted({round(w, 2) for w in seen["weights"]})
    assert steps[-1] == 1.0
    assert [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] == [s for s in steps if 0 < s < 1]
    assert seen["weights"] == sorted(seen["weights"])  # only ever moves forward


def test_all_at_once_and_stop_without_rollback(lam: Any, cd: Any, role: str) -> None:
    function = release(lam, role, broken_v2=False)
    app, name = group(cd, role, "CodeDeployDefault.LambdaAllAtOnce")
    deployment_id = cd.create_deployment(
        applicationName=app, deploymentGroupName=name, revision=appspec(function)
    )["deploymentId"]
    assert wait_done(cd, deployment_id)["status"] == "Succeeded"
    assert alias_of(lam, function)["FunctionVersion"] == "2"
    with pytest.raises(ClientError) as info_:
        cd.stop_deployment(deploymentId=deployment_id)
    assert info_.value.response["Error"]["Code"] == "DeploymentAlreadyCompletedException"


def test_stop_deployment_mid_canary(lam: Any, cd: Any, role: str) -> None:
    """StopDeployment(autoRollbackEnabled=True) during the canary puts version 1 back."""
    function = release(lam, role, broken_v2=False)
    app, name = group(cd, role, "CodeDeployDefault.LambdaCanary10Percent5Minutes")
    deployment_id = cd.create_deployment(
        applicationName=app, deploymentGroupName=name, revision=appspec(function)
    )["deploymentId"]
    support.wait_for_weight(lam, function, 0.1)
    stopped = cd.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
    assert stopped["status"] == "Pending"
    info = wait_done(cd, deployment_id)
    assert (info["status"], info["errorInformation"]["code"]) == ("Stopped", "MANUAL_STOP")
    assert alias_of(lam, function)["FunctionVersion"] == "1"
    assert not (alias_of(lam, function).get("RoutingConfig") or {}).get("AdditionalVersionWeights")


def test_deployment_to_function_without_the_alias(lam: Any, cd: Any, role: str) -> None:
    """Bad input: the AppSpec names an alias the function does not have."""
    function = release(lam, role, broken_v2=False, alias="")
    app, name = group(cd, role, "CodeDeployDefault.LambdaAllAtOnce")
    deployment_id = cd.create_deployment(
        applicationName=app, deploymentGroupName=name, revision=appspec(function)
    )["deploymentId"]
    info = wait_done(cd, deployment_id)
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "INVALID_LAMBDA_CONFIGURATION"
    assert "live" in info["errorInformation"]["message"]


def test_bad_appspec_and_busy_group(lam: Any, cd: Any, role: str) -> None:
    function = release(lam, role, broken_v2=False)
    app, name = group(cd, role, "CodeDeployDefault.LambdaCanary10Percent5Minutes")
    bad = {"revisionType": "AppSpecContent", "appSpecContent": {"content": "Resources: [}"}}
    with pytest.raises(ClientError) as info_:
        cd.create_deployment(applicationName=app, deploymentGroupName=name, revision=bad)
    assert info_.value.response["Error"]["Code"] == "InvalidRevisionException"
    first = cd.create_deployment(
        applicationName=app, deploymentGroupName=name, revision=appspec(function)
    )["deploymentId"]
    with pytest.raises(ClientError) as info_:
        cd.create_deployment(
            applicationName=app, deploymentGroupName=name, revision=appspec(function)
        )
    assert info_.value.response["Error"]["Code"] == "DeploymentLimitExceededException"
    assert first in info_.value.response["Error"]["Message"]
    support.wait_for_weight(lam, function, 0.1)
    cd.stop_deployment(deploymentId=first)
    assert wait_done(cd, first)["status"] == "Stopped"
    # stopped without rollback: the alias still splits traffic, so the next deployment refuses
    again = cd.create_deployment(
        applicationName=app, deploymentGroupName=name, revision=appspec(function)
    )["deploymentId"]
    info = wait_done(cd, again)
    assert info["status"] == "Failed"
    assert "more than one version" in info["errorInformation"]["message"]


def test_hook_status_errors(cd: Any) -> None:
    with pytest.raises(ClientError) as info_:
        cd.put_lifecycle_event_hook_execution_status(
            deploymentId="d-NOPE", lifecycleEventHookExecutionId="x", status="Succeeded"
        )
    assert info_.value.response["Error"]["Code"] == "DeploymentDoesNotExistException"
    with pytest.raises(ClientError) as info_:
        cd.put_lifecycle_event_hook_execution_status(
            deploymentId="d-NOPE", lifecycleEventHookExecutionId="x", status="Pending"
        )
    assert (
        info_.value.response["Error"]["Code"] == "InvalidLifecycleEventHookExecutionStatusException"
    )


def test_lab04_checks_are_registered() -> None:
    import lablib.labs.versions_aliases.checks  # noqa: F401
    from lablib.exercises import registered

    assert registered("versions-aliases") == [
        "versions-aliases/custom-canary",
        "versions-aliases/pick-config",
        "versions-aliases/rollback",
        "versions-aliases/weighted",
    ]
