"""Ref and every Fn::GetAtt attribute AWS's resource schema lists (cfn-lint's copy:
readOnlyProperties), for the resource types the labs and the sample apps use: each resolves
to a value of the right shape, or the stack fails with a reason naming the attribute. Never a
Python object, None or "" handed on silently."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest

from lablib.aws.server import LocalAWS

from .conftest import NO_RETRY

ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}},
}
FUNCTION = {
    "Type": "AWS::Lambda::Function",
    "Properties": {
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
        "Code": {"ZipFile": "def handler(e, c):\n    return 1\n"},
    },
}
HELPERS = {"Role": ROLE, "Fn": FUNCTION, "Q": {"Type": "AWS::SQS::Queue"}}
ARN = re.compile(r"^arn:aws:[a-z0-9-]+:")

# type -> (properties, expected shape of Ref)
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "AWS::SQS::Queue": ({}, r"^https?://"),
    "AWS::SNS::Topic": ({}, ARN.pattern),
    "AWS::S3::Bucket": ({}, r"^[a-z0-9.-]+$"),
    "AWS::IAM::Role": (ROLE["Properties"], r"^[\w+=,.@-]+$"),
    "AWS::Lambda::Function": (FUNCTION["Properties"], r"^[\w-]+$"),
    "AWS::Lambda::Version": ({"FunctionName": {"Ref": "Fn"}}, ARN.pattern),
    "AWS::Logs::LogGroup": ({}, r"^[\w/.-]+$"),
    "AWS::Events::EventBus": ({"Name": "audit-bus"}, r"^audit-bus$"),
    "AWS::Events::Rule": ({"EventPattern": {"source": ["audit"]}}, r"^[\w.-]+$"),
    "AWS::Kinesis::Stream": ({"ShardCount": 1}, r"^[\w.-]+$"),
    "AWS::DynamoDB::Table": (
        {
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
        },
        r"^[\w.-]+$",
    ),
    "AWS::StepFunctions::StateMachine": (
        {
            "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
            "Definition": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        },
        ARN.pattern,
    ),
    "AWS::ApiGateway::RestApi": ({"Name": "audit"}, r"^\w+$"),
    "AWS::Lambda::EventSourceMapping": (
        {"FunctionName": {"Ref": "Fn"}, "EventSourceArn": {"Fn::GetAtt": ["Q", "Arn"]}},
        r"^[0-9a-f-]{36}$",
    ),
    "AWS::Lambda::EventInvokeConfig": (
        {"FunctionName": {"Ref": "Fn"}, "Qualifier": "$LATEST", "MaximumRetryAttempts": 0},
        r"\|\$LATEST$",
    ),
}


def _attributes(kind: str) -> list[str]:
    import cfnlint

    base = os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas")
    with open(os.path.join(base, "providers", "us-east-1.json")) as handle:
        index = json.load(handle)
    with open(os.path.join(base, "resources", f"{index[kind]}.json")) as handle:
        schema = json.load(handle)
    paths = schema.get("readOnlyProperties", [])
    return sorted(p.removeprefix("/properties/").replace("/", ".") for p in paths)


def _outputs(attributes: list[str]) -> dict[str, Any]:
    outputs: dict[str, Any] = {"Ref": {"Value": {"Ref": "It"}}}
    for i, attribute in enumerate(attributes):
        outputs[f"A{i}"] = {"Value": {"Fn::GetAtt": ["It", attribute]}}
    return outputs


@pytest.mark.parametrize("kind", sorted(CASES))
def test_ref_and_every_schema_attribute(aws: LocalAWS, stack_name: str, kind: str) -> None:
    properties, ref_shape = CASES[kind]
    cfn = aws.client("cloudformation", config=NO_RETRY)
    attributes = _attributes(kind)
    refused: list[str] = []
    for attempt in range(len(attributes) + 1):
        template = {
            "Resources": {**HELPERS, "It": {"Type": kind, "Properties": properties}},
            "Outputs": _outputs(attributes),
        }
        name = f"{stack_name}-{attempt}"
        try:
            cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
        except cfn.exceptions.ClientError as exc:  # refused at once (a ValidationError)
            assert exc.response["Error"]["Code"] == "ValidationError", exc
            reason = str(exc) + " "
        else:
            stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
            cfn.delete_stack(StackName=name)
            if stack["StackStatus"] == "CREATE_COMPLETE":
                break
            reason = str(stack.get("StackStatusReason")) + " "
        named = [a for a in attributes if f"It.{a} " in reason or f"attribute type {a} " in reason]
        assert named, f"{kind}: the stack failed without naming an attribute: {reason}"
        refused += named
        attributes = [a for a in attributes if a not in named]
    else:
        pytest.fail(f"{kind}: never created")
    values = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
    assert re.search(ref_shape, values["Ref"]), (kind, values["Ref"])
    for i, attribute in enumerate(attributes):
        value = values.get(f"A{i}")
        assert value not in (None, "", "None"), f"{kind}.{attribute} resolved to {value!r}"
        assert " object at 0x" not in value, f"{kind}.{attribute} is a Python object"
        if attribute.endswith("Arn") and attribute != "StreamArn" or attribute == "Arn":
            assert ARN.match(value), f"{kind}.{attribute} is not an ARN: {value}"
