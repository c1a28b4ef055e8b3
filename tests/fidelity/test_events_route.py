"""The event-sources plugin installs the fidelity route for its services: requests using a
parameter that is not simulated are refused by name when strict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.aws import server
from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY

QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:f"


@pytest.fixture(scope="module")
def routed(aws: LocalAWS) -> LocalAWS:
    aws.plugins.load([e for e in server.PLUGINS if e[0] == "lablib.events.plugin"])
    return aws


CASES: list[tuple[str, str, str, Callable[[Any], Any]]] = [
    (
        "lambda",
        "TumblingWindowInSeconds",
        "InvalidParameterValueException",
        lambda c: c.create_event_source_mapping(
            EventSourceArn=QUEUE, FunctionName="f", TumblingWindowInSeconds=60
        ),
    ),
    (
        "s3",
        "SkipDestinationValidation",
        "InvalidArgument",
        lambda c: c.put_bucket_notification_configuration(
            Bucket="b", NotificationConfiguration={}, SkipDestinationValidation=True
        ),
    ),
    (
        "events",
        "RoleArn",
        "ValidationException",
        lambda c: c.put_rule(Name="r", ScheduleExpression="rate(1 minute)", RoleArn=FUNCTION),
    ),
    (
        "logs",
        "roleArn",
        "InvalidParameterException",
        lambda c: c.put_subscription_filter(
            logGroupName="g", filterName="f", filterPattern="", destinationArn=FUNCTION,
            roleArn="arn:aws:iam::123456789012:role/r",
        ),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("service", "parameter", "code", "call"), CASES)
def test_strict_refuses_ignored_parameters(
    routed: LocalAWS,
    monkeypatch: pytest.MonkeyPatch,
    service: str,
    parameter: str,
    code: str,
    call: Callable[[Any], Any],
) -> None:
    monkeypatch.setenv("LABLIB_STRICT", "1")
    with pytest.raises(ClientError) as info:
        call(routed.client(service, config=NO_RETRY))
    error = info.value.response["Error"]
    assert (error["Code"], parameter in error["Message"]) == (code, True)
    assert "not simulated" in error["Message"]
