"""Every property of the CloudFormation types lablib creates is classified (against AWS's
resource schemas shipped with cfn-lint); an ignored property warns or, under LABLIB_STRICT,
fails the stack naming it; a property AWS does not have fails the stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lablib.aws import fidelity
from lablib.aws.server import LocalAWS
from lablib.sam.property_fidelity import SECTION

from .conftest import NO_RETRY


def _schema(kind: str) -> dict[str, object]:
    import cfnlint

    base = Path(cfnlint.__file__).parent / "data" / "schemas"
    index = json.loads((base / "providers" / "us-east-1.json").read_text())
    loaded: dict[str, object] = json.loads((base / "resources" / f"{index[kind]}.json").read_text())
    return loaded


@pytest.mark.parametrize("kind", sorted(fidelity.load()[SECTION]))
def test_every_property_of_aws_schema_is_classified(kind: str) -> None:
    schema = _schema(kind)
    read_only = {str(p).rsplit("/", 1)[-1] for p in schema.get("readOnlyProperties", [])}  # type: ignore[attr-defined]
    writable = set(schema["properties"]) - read_only  # type: ignore[call-overload]
    rows = set(fidelity.load()[SECTION][kind])
    assert writable - rows == set(), f"{kind}: classify these in lablib/aws/fidelity.yaml"
    assert rows - writable == set(), f"{kind}: rows for properties AWS does not have"


def _stack(aws: LocalAWS, name: str, properties: dict[str, object]) -> tuple[str, str]:
    cfn = aws.client("cloudformation", config=NO_RETRY)
    template = {
        "Resources": {
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": "arn:aws:iam::123456789012:role/sfn",
                    "Definition": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                    **properties,
                },
            }
        }
    }
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return stack["StackStatus"], stack.get("StackStatusReason", "")


def test_ignored_property_fails_the_stack_in_strict_mode(
    aws: LocalAWS, stack_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracing = {"TracingConfiguration": {"Enabled": True}}
    got = _stack(aws, stack_name, tracing)
    assert got[0] == "CREATE_COMPLETE", got[1]
    monkeypatch.setenv("LABLIB_STRICT", "1")
    status, reason = _stack(aws, stack_name + "-strict", tracing)
    assert status == "ROLLBACK_COMPLETE"
    assert "Resources.Machine.Properties.TracingConfiguration" in reason
    assert "X-Ray" in reason


def test_unknown_property_fails_the_stack(aws: LocalAWS, stack_name: str) -> None:
    status, reason = _stack(aws, stack_name, {"Definitoin": {}})
    assert status == "ROLLBACK_COMPLETE"
    assert "Encountered unsupported property Definitoin" in reason


def test_ignored_property_is_named_in_the_resource_stack_event(
    aws: LocalAWS, stack_name: str
) -> None:
    cfn = aws.client("cloudformation", config=NO_RETRY)
    template = {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": "alias/x"}},
            "Plain": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 5}},
        }
    }
    cfn.create_stack(StackName=stack_name, TemplateBody=json.dumps(template))
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    done = {
        e["LogicalResourceId"]: e.get("ResourceStatusReason")
        for e in events
        if e["ResourceStatus"] == "CREATE_COMPLETE"
    }
    assert "AWS::SQS::Queue.KmsMasterKeyId" in str(done["Queue"])
    assert "not encrypted" in str(done["Queue"])
    assert done["Plain"] is None


def test_silently_dropped_bucket_and_function_settings_are_named(
    aws: LocalAWS, stack_name: str
) -> None:
    """moto's own models drop these without a word (a versioned bucket came out unversioned):
    the resource's CREATE_COMPLETE event names each one, and what is honoured is not named."""
    cfn = aws.client("cloudformation", config=NO_RETRY)
    template = {
        "Resources": {
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"VersioningConfiguration": {"Status": "Enabled"}, "Tags": []},
            },
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "BillingMode": "PAY_PER_REQUEST",
                    "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": True},
                },
            },
        }
    }
    cfn.create_stack(StackName=stack_name, TemplateBody=json.dumps(template))
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    done = {
        e["LogicalResourceId"]: str(e.get("ResourceStatusReason"))
        for e in events
        if e["ResourceStatus"] == "CREATE_COMPLETE"
    }
    assert (
        "AWS::S3::Bucket.VersioningConfiguration (the bucket is created unversioned"
        in done["Bucket"]
    )
    assert "AWS::DynamoDB::Table.TimeToLiveSpecification" in done["Table"]
    assert "BillingMode" not in done["Table"] and "KeySchema" not in done["Table"]
    versioning = aws.client("s3").get_bucket_versioning(
        Bucket=cfn.describe_stack_resource(StackName=stack_name, LogicalResourceId="Bucket")[
            "StackResourceDetail"
        ]["PhysicalResourceId"]
    )
    assert "Status" not in versioning  # what the event says is what happened
