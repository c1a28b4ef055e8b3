"""AWS::Lambda::EventInvokeConfig (and SAM's EventInvokeConfig property) deployed through
``lablib deploy``: an asynchronous invoke of the deployed function delivers its record to the
OnSuccess or OnFailure destination, with the retries the template set."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from lablib.aws.server import LocalAWS
from lablib.sam.deploy import deploy

from .conftest import NO_RETRY

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            if event.get("fail"):
                raise ValueError("asked to fail")
            return {"done": event["n"]}
      EventInvokeConfig:
        MaximumRetryAttempts: 0
        MaximumEventAgeInSeconds: 120
        DestinationConfig:
          OnSuccess:
            Type: SQS
            Destination: !GetAtt Succeeded.Arn
          OnFailure:
            Type: SQS
            Destination: !GetAtt Failed.Arn
  Succeeded:
    Type: AWS::SQS::Queue
  Failed:
    Type: AWS::SQS::Queue
Outputs:
  Function: {Value: !Ref Worker}
  SucceededUrl: {Value: !Ref Succeeded}
  FailedUrl: {Value: !Ref Failed}
"""


def _one_message(aws: LocalAWS, url: str) -> dict[str, Any]:
    sqs = aws.client("sqs", config=NO_RETRY)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        if got:
            body: dict[str, Any] = json.loads(got[0]["Body"])
            return body
    raise AssertionError(f"no destination record reached {url}")


def test_sam_event_invoke_config_delivers_to_destinations(
    aws: LocalAWS, stack_name: str, tmp_path: Path
) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE)
    result = deploy(template, stack_name, aws.client("cloudformation"), aws.client("s3"), {})
    assert result.status == "CREATE_COMPLETE", result.events
    assert "AWS::Lambda::EventInvokeConfig" in {r["ResourceType"] for r in result.resources}
    lam = aws.client("lambda", config=NO_RETRY)
    name = result.outputs["Function"]
    config = lam.get_function_event_invoke_config(FunctionName=name)
    assert config["MaximumRetryAttempts"] == 0
    assert config["MaximumEventAgeInSeconds"] == 120
    on_failure = config["DestinationConfig"]["OnFailure"]["Destination"]
    assert on_failure.startswith("arn:aws:sqs:") and "Failed" in on_failure

    lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": 1}))
    success = _one_message(aws, result.outputs["SucceededUrl"])
    assert success["requestContext"]["condition"] == "Success"
    assert success["responsePayload"] == {"done": 1}

    lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"fail": True}))
    failure = _one_message(aws, result.outputs["FailedUrl"])
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 1  # MaximumRetryAttempts: 0
    assert failure["responsePayload"]["errorMessage"] == "asked to fail"


def test_event_invoke_config_resource_and_delete(aws: LocalAWS, stack_name: str) -> None:
    cfn = aws.client("cloudformation", config=NO_RETRY)
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Statement": []}},
            },
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Code": {"ZipFile": "def handler(e, c):\n    return 1\n"},
                },
            },
            "Config": {
                "Type": "AWS::Lambda::EventInvokeConfig",
                "Properties": {
                    "FunctionName": {"Ref": "Fn"},
                    "Qualifier": "$LATEST",
                    "MaximumRetryAttempts": 1,
                },
            },
        },
        "Outputs": {"Fn": {"Value": {"Ref": "Fn"}}, "Config": {"Value": {"Ref": "Config"}}},
    }
    cfn.create_stack(StackName=stack_name, TemplateBody=json.dumps(template))
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["Config"] == f"{outputs['Fn']}|$LATEST"
    lam = aws.client("lambda", config=NO_RETRY)
    got = lam.get_function_event_invoke_config(FunctionName=outputs["Fn"])
    assert got["MaximumRetryAttempts"] == 1
    template["Resources"].pop("Config")
    template["Outputs"].pop("Config")
    cfn.update_stack(StackName=stack_name, TemplateBody=json.dumps(template))
    assert cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"] == (
        "UPDATE_COMPLETE"
    )
    configs = lam.list_function_event_invoke_configs(FunctionName=outputs["Fn"])
    assert configs["FunctionEventInvokeConfigs"] == []
