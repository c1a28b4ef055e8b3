"""Ignored parameters on the wired control planes: a warning once by default, and with
LABLIB_STRICT=1 a 400 in the service's error shape that names the parameter."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY

pytestmark = pytest.mark.usefixtures("fresh_warnings")
Call = Callable[[], Any]


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def warns_once_then_strict_refuses(
    call: Call,
    again: Call,
    parameter: str,
    code: str,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    call()
    err = capfd.readouterr().err
    assert f"{parameter} is accepted but not simulated" in err
    assert "LABLIB_STRICT=1" in err
    again()
    assert parameter not in capfd.readouterr().err  # once per kind
    monkeypatch.setenv("LABLIB_STRICT", "1")
    with pytest.raises(ClientError) as info:
        again()
    error = info.value.response["Error"]
    assert error["Code"] == code
    assert parameter in error["Message"] and "not simulated" in error["Message"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_apigateway_create_deployment_tracing(
    aws: LocalAWS, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ag = aws.client("apigateway", config=NO_RETRY)
    api = ag.create_rest_api(name=_name("api"))["id"]
    root = ag.get_resources(restApiId=api)["items"][0]["id"]
    ag.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    ag.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")

    def deploy() -> Any:
        return ag.create_deployment(restApiId=api, stageName="dev", tracingEnabled=True)

    warns_once_then_strict_refuses(
        deploy, deploy, "tracingEnabled", "BadRequestException", capfd, monkeypatch
    )
    # tracingEnabled=False is the default: nothing to say, even when strict.
    ag.create_deployment(restApiId=api, stageName="dev", tracingEnabled=False)


def test_apigateway_update_stage_patch_path(
    aws: LocalAWS, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ag = aws.client("apigateway", config=NO_RETRY)
    api = ag.create_rest_api(name=_name("api"))["id"]
    root = ag.get_resources(restApiId=api)["items"][0]["id"]
    ag.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    ag.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    ag.create_deployment(restApiId=api, stageName="dev")

    def patch(*ops: dict[str, str]) -> Call:
        return lambda: ag.update_stage(restApiId=api, stageName="dev", patchOperations=list(ops))

    encrypted = {"op": "replace", "path": "/*/*/caching/dataEncrypted", "value": "true"}
    warns_once_then_strict_refuses(
        patch(encrypted),
        patch(encrypted),
        "{path}/{method}/caching/dataEncrypted",
        "BadRequestException",
        capfd,
        monkeypatch,
    )
    # Strict mode still lets supported paths through.
    stage = patch({"op": "replace", "path": "/variables/color", "value": "blue"})()
    assert stage["variables"] == {"color": "blue"}


def test_stepfunctions_tracing_configuration(
    aws: LocalAWS, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sfn = aws.client("stepfunctions", config=NO_RETRY)
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    role = "arn:aws:iam::123456789012:role/sfn-fidelity"

    def create() -> Any:
        return sfn.create_state_machine(
            name=_name("sm"),
            definition=definition,
            roleArn=role,
            tracingConfiguration={"enabled": True},
        )

    warns_once_then_strict_refuses(
        create, create, "tracingConfiguration", "ValidationException", capfd, monkeypatch
    )
    # Faithful parameters still run under strict mode, end to end.
    arn = sfn.create_state_machine(name=_name("sm"), definition=definition, roleArn=role)[
        "stateMachineArn"
    ]
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    assert sfn.describe_execution(executionArn=execution)["stateMachineArn"] == arn
    with pytest.raises(ClientError, match="traceHeader"):
        sfn.start_execution(stateMachineArn=arn, input="{}", traceHeader="Root=1-abc")


def test_codedeploy_trigger_configurations(
    aws: LocalAWS, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cd = aws.client("codedeploy", config=NO_RETRY)
    app = _name("app")
    cd.create_application(applicationName=app, computePlatform="Lambda")
    triggers = [
        {
            "triggerName": "notify",
            "triggerTargetArn": "arn:aws:sns:us-east-1:123456789012:deployments",
            "triggerEvents": ["DeploymentFailure"],
        }
    ]

    def create() -> Any:
        return cd.create_deployment_group(
            applicationName=app,
            deploymentGroupName=_name("group"),
            serviceRoleArn="arn:aws:iam::123456789012:role/codedeploy",
            deploymentStyle={
                "deploymentType": "BLUE_GREEN",
                "deploymentOption": "WITH_TRAFFIC_CONTROL",
            },
            triggerConfigurations=triggers,
        )

    warns_once_then_strict_refuses(
        create, create, "triggerConfigurations", "ValidationException", capfd, monkeypatch
    )


def test_cloudwatch_alarm_unit_and_metric_math(
    aws: LocalAWS, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cw = aws.client("cloudwatch", config=NO_RETRY)
    base = {
        "MetricName": "Errors",
        "Namespace": "AWS/Lambda",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }

    def put() -> Any:
        return cw.put_metric_alarm(AlarmName=_name("alarm"), Unit="Count", **base)

    warns_once_then_strict_refuses(put, put, "Unit", "InvalidParameterValue", capfd, monkeypatch)
    with pytest.raises(ClientError, match="Metrics is accepted by cloudwatch PutMetricAlarm"):
        cw.put_metric_alarm(
            AlarmName=_name("math"),
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold",
            Metrics=[{"Id": "e1", "Expression": "1", "ReturnData": True}],
        )
    cw.put_metric_alarm(AlarmName=_name("alarm"), **base)  # faithful parameters pass


def test_cloudformation_disable_rollback(
    aws: LocalAWS, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfn = aws.client("cloudformation", config=NO_RETRY)
    template = json.dumps(
        {
            "Parameters": {"QueueName": {"Type": "String"}},
            "Resources": {
                "Queue": {
                    "Type": "AWS::SQS::Queue",
                    "Properties": {"QueueName": {"Ref": "QueueName"}},
                }
            },
        }
    )

    def create() -> Any:
        name = _name("stack")
        return cfn.create_stack(
            StackName=name,
            TemplateBody=template,
            Parameters=[{"ParameterKey": "QueueName", "ParameterValue": name}],
            DisableRollback=True,
        )

    warns_once_then_strict_refuses(
        create, create, "DisableRollback", "ValidationError", capfd, monkeypatch
    )
    # DisableRollback=False is the default; Parameters (a query list) is faithful.
    name = _name("stack")
    cfn.create_stack(
        StackName=name,
        TemplateBody=template,
        Parameters=[{"ParameterKey": "QueueName", "ParameterValue": name}],
        DisableRollback=False,
    )
    assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
