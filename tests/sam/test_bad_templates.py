"""Bad templates get CloudFormation's answers, and nothing stays half-created."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.aws.server import LocalAWS

SAM = "Transform: AWS::Serverless-2016-10-31\n"


def _create(cfn: Any, name: str, body: str) -> dict[str, Any]:
    cfn.create_stack(StackName=name, TemplateBody=body, Capabilities=["CAPABILITY_IAM"])
    stack: dict[str, Any] = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return stack


def _validation_error(cfn: Any, name: str, body: str) -> str:
    with pytest.raises(ClientError) as caught:
        cfn.create_stack(StackName=name, TemplateBody=body)
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError):
        cfn.describe_stacks(StackName=name)  # no stack was created
    return str(caught.value.response["Error"]["Message"])


def test_unknown_resource_type_is_rejected(cfn: Any, stack_name: str) -> None:
    body = "Resources:\n  Thing:\n    Type: AWS::Lambda::Functoin\n"
    message = _validation_error(cfn, stack_name, body)
    assert message == "Template format error: Unrecognized resource types: [AWS::Lambda::Functoin]"


def test_bad_reference_is_rejected(cfn: Any, stack_name: str) -> None:
    body = (
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
        "    Properties:\n      QueueName: !Ref Missing\n"
    )
    message = _validation_error(cfn, stack_name, body)
    assert message == (
        "Template format error: Unresolved resource dependencies [Missing] in the Resources "
        "block of the template"
    )


def test_bad_getatt_is_rejected(cfn: Any, stack_name: str) -> None:
    body = json.dumps(
        {
            "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {"A": {"Value": {"Fn::GetAtt": ["Nope", "Arn"]}}},
        }
    )
    message = _validation_error(cfn, stack_name, body)
    assert message == "Template error: instance of Fn::GetAtt references undefined resource Nope"


def test_malformed_yaml_is_rejected(cfn: Any, stack_name: str) -> None:
    message = _validation_error(cfn, stack_name, "Resources:\n  Q: [unclosed\n")
    assert message.startswith("Template format error: YAML not well-formed. (line")


def test_sam_template_with_bad_reference_rolls_back(cfn: Any, stack_name: str) -> None:
    body = SAM + (
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      InlineCode: 'def handler(e, c): return 1'\n      Handler: index.handler\n"
        "      Runtime: python3.12\n      Environment: {Variables: {T: !Ref NoSuchTable}}\n"
    )
    stack = _create(cfn, stack_name, body)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "Unresolved resource dependencies [NoSuchTable]" in stack["StackStatusReason"]
    assert cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"] == []


def test_invalid_sam_document_fails_the_transform(cfn: Any, stack_name: str) -> None:
    body = SAM + (
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Handler: index.handler\n      Runtime: python3.12\n"
        "      Events:\n        Bad: {Type: Carrier, Properties: {}}\n"
    )
    stack = _create(cfn, stack_name, body)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"].startswith(
        "Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application "
        "Specification document. Number of errors found: 1."
    )
    statuses = [
        e["ResourceStatus"] for e in cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    ]
    assert statuses[0] == "ROLLBACK_COMPLETE"


def test_failing_resource_rolls_back_what_was_created(
    aws: LocalAWS, cfn: Any, stack_name: str
) -> None:
    queue_name = f"{stack_name}-first"
    body = json.dumps(
        {
            "Resources": {
                "First": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": queue_name}},
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "DependsOn": "First",
                    "Properties": {
                        "Runtime": "python3.12",
                        "Handler": "app.handler",
                        "Role": "arn:aws:iam::123456789012:role/none",
                        "Code": {"S3Bucket": "no-such-bucket-anywhere", "S3Key": "code.zip"},
                    },
                },
            }
        }
    )
    stack = _create(cfn, stack_name, body)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"] == (
        "The following resource(s) failed to create: [Fn]. Rollback requested by user."
    )
    events = [
        (e["LogicalResourceId"], e["ResourceStatus"])
        for e in reversed(cfn.describe_stack_events(StackName=stack_name)["StackEvents"])
    ]
    assert ("Fn", "CREATE_FAILED") in events
    assert events.index(("First", "DELETE_COMPLETE")) > events.index(("Fn", "CREATE_FAILED"))
    urls = aws.client("sqs").list_queues(QueueNamePrefix=queue_name).get("QueueUrls", [])
    assert urls == []  # the queue made before the failure is gone
    cfn.delete_stack(StackName=stack_name)  # a rolled-back stack can be deleted


def test_update_with_no_changes_is_refused(cfn: Any, stack_name: str) -> None:
    body = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
    assert _create(cfn, stack_name, body)["StackStatus"] == "CREATE_COMPLETE"
    with pytest.raises(ClientError) as caught:
        cfn.update_stack(StackName=stack_name, TemplateBody=body)
    assert caught.value.response["Error"]["Message"] == "No updates are to be performed."


def test_failed_update_rolls_back(aws: LocalAWS, cfn: Any, stack_name: str) -> None:
    body = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
    assert _create(cfn, stack_name, json.dumps(body))["StackStatus"] == "CREATE_COMPLETE"
    body["Resources"]["Fn"] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.12",
            "Handler": "app.handler",
            "Role": "arn:aws:iam::123456789012:role/none",
            "Code": {"S3Bucket": "no-such-bucket-anywhere", "S3Key": "code.zip"},
        },
    }
    cfn.update_stack(StackName=stack_name, TemplateBody=json.dumps(body))
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    kinds = [
        r["ResourceType"]
        for r in cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    ]
    assert kinds == ["AWS::SQS::Queue"]
