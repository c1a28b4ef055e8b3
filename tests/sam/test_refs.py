"""Ref and Fn::GetAtt never hand a template a Python object, None or "": a custom event bus
referenced through Fn::Sub carries its name (the API-to-EventBridge pattern), and an
attribute the local AWS cannot give fails the stack naming it."""

from __future__ import annotations

import json
import time
from typing import Any

from lablib.aws.server import LocalAWS

from .conftest import NO_RETRY


def _stack(aws: LocalAWS, name: str, template: dict[str, Any]) -> dict[str, Any]:
    cfn = aws.client("cloudformation", config=NO_RETRY)
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
    stack: dict[str, Any] = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return stack


def test_custom_event_bus_ref_in_sub_and_rule_delivers(aws: LocalAWS, stack_name: str) -> None:
    bus = f"{stack_name}-bus"
    template = {
        "Resources": {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": bus}},
            "Queue": {"Type": "AWS::SQS::Queue"},
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventBusName": {"Ref": "Bus"},
                    "EventPattern": {"source": ["probe.app"]},
                    "Targets": [{"Id": "q", "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}}],
                },
            },
        },
        "Outputs": {
            "Ref": {"Value": {"Ref": "Bus"}},
            "Sub": {"Value": {"Fn::Sub": ["bus=${Name}", {"Name": {"Ref": "Bus"}}]}},
            "Inline": {"Value": {"Fn::Sub": "bus=${Bus}"}},
            "Arn": {"Value": {"Fn::GetAtt": ["Bus", "Arn"]}},
            "Url": {"Value": {"Ref": "Queue"}},
        },
    }
    stack = _stack(aws, stack_name, template)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert out["Ref"] == bus
    assert out["Sub"] == out["Inline"] == f"bus={bus}"
    assert out["Arn"] == f"arn:aws:events:us-east-1:123456789012:event-bus/{bus}"
    events = aws.client("events", config=NO_RETRY)
    entry = {"Source": "probe.app", "DetailType": "t", "Detail": "{}", "EventBusName": out["Ref"]}
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    sqs = aws.client("sqs", config=NO_RETRY)
    deadline = time.monotonic() + 20
    got: list[Any] = []
    while not got and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=out["Url"], WaitTimeSeconds=1).get("Messages", [])
    assert got and json.loads(got[0]["Body"])["source"] == "probe.app"


def test_getatt_of_an_attribute_the_type_lacks_fails_naming_it(
    aws: LocalAWS, stack_name: str
) -> None:
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"Bad": {"Value": {"Fn::GetAtt": ["Queue", "NoSuchThing"]}}},
    }
    cfn = aws.client("cloudformation", config=NO_RETRY)
    try:
        stack = _stack(aws, stack_name, template)
        reason = str(stack.get("StackStatusReason"))
        assert stack["StackStatus"] != "CREATE_COMPLETE"
    except cfn.exceptions.ClientError as exc:
        reason = str(exc)
    assert "Queue" in reason and "NoSuchThing" in reason
