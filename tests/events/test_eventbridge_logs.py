"""EventBridge rules (patterns, schedules on the lab clock) and CloudWatch Logs subscriptions."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.events import records
from tests.events.conftest import drain_queue, unique, wait_for

CAPTURE = """
import json, os, boto3
sqs = boto3.client("sqs")
def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["OUT"], MessageBody=json.dumps(event))
"""


def capture_fn(clients: Any, handler_code: Any) -> tuple[str, str, str]:
    out = clients.sqs.create_queue(QueueName=unique("out"))["QueueUrl"]
    fn = handler_code(CAPTURE, Environment={"Variables": {"OUT": out}})
    arn = clients.lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    return fn, arn, out


def bodies(clients: Any, url: str) -> list[Any]:
    return [json.loads(m["Body"]) for m in drain_queue(clients.sqs, url)]


def test_event_pattern_match(clients: Any, handler_code: Any) -> None:
    """events.pattern-match: a rule on source and detail delivers only matching events, as
    {version, id, detail-type, source, account, time, region, resources, detail}."""
    fn, arn, out = capture_fn(clients, handler_code)
    rule = unique("stopped")
    rule_arn = clients.events.put_rule(
        Name=rule,
        EventPattern=json.dumps(
            {
                "source": ["aws.ec2"],
                "detail-type": ["EC2 Instance State-change Notification"],
                "detail": {"state": ["stopped"]},
            }
        ),
    )["RuleArn"]
    clients.lam.add_permission(
        FunctionName=fn,
        StatementId="eb",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=rule_arn,
    )
    clients.events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": arn}])
    for state in ("running", "stopped"):
        clients.events.put_events(
            Entries=[
                {
                    "Source": "aws.ec2",
                    "DetailType": "EC2 Instance State-change Notification",
                    "Detail": json.dumps({"instance-id": "i-1", "state": state}),
                }
            ]
        )
    got: list[Any] = []
    wait_for(lambda: got.extend(bodies(clients, out)) or got)
    time.sleep(0.3)
    got.extend(bodies(clients, out))
    assert len(got) == 1
    event = got[0]
    assert event["detail"] == {"instance-id": "i-1", "state": "stopped"}
    assert event["source"] == "aws.ec2"
    assert event["detail-type"] == "EC2 Instance State-change Notification"
    assert set(event) >= {"version", "id", "account", "time", "region", "resources"}
    assert event["time"].endswith("Z") and "T" in event["time"]


def test_malformed_event_pattern_refused(clients: Any) -> None:
    """A malformed event pattern is an InvalidEventPatternException at PutRule."""
    with pytest.raises(ClientError) as exc:
        clients.events.put_rule(Name=unique("bad"), EventPattern='{"source": "aws.ec2"}')
    assert exc.value.response["Error"]["Code"] == "InvalidEventPatternException"
    with pytest.raises(ClientError) as exc:
        clients.events.put_rule(Name=unique("bad"), ScheduleExpression="rate(fast)")
    assert exc.value.response["Error"]["Code"] == "ValidationException"


def test_schedule_rule_fires_on_lab_clock(clients: Any, handler_code: Any, aws: Any) -> None:
    """events.schedule-rule: rate(1 minute) fires every real second at 60x, with source
    aws.events and detail-type Scheduled Event; disabling the rule stops it."""
    fn, arn, out = capture_fn(clients, handler_code)
    rule = unique("tick")
    rule_arn = clients.events.put_rule(Name=rule, ScheduleExpression="rate(1 minute)")["RuleArn"]
    clients.lam.add_permission(
        FunctionName=fn,
        StatementId="eb",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=rule_arn,
    )
    clients.events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": arn}])
    got: list[Any] = []
    began = time.monotonic()
    wait_for(lambda: len(got.__iadd__(bodies(clients, out))) >= 2)
    elapsed = time.monotonic() - began
    assert elapsed >= 1.0 * 60 / aws.clock.scale
    assert got[0]["source"] == "aws.events"
    assert got[0]["detail-type"] == "Scheduled Event"
    assert got[0]["resources"] == [rule_arn]
    assert got[0]["detail"] == {}
    clients.events.disable_rule(Name=rule)
    disabled_at = aws.clock.now()  # lab time: a scheduled event's "time" is when it was due
    time.sleep(aws.clock.real_seconds(2.5 * 60))
    # an event that fired before the disable may still be on its way (an async invoke on a
    # loaded machine); none may be scheduled after it
    late = [e["time"] for e in bodies(clients, out)]
    assert all(_epoch(stamp) <= disabled_at for stamp in late), (late, disabled_at)


def _epoch(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def test_cron_next_fire() -> None:
    from datetime import UTC, datetime

    from lablib.events.schedules import Cron, ScheduleError, next_fire

    start = datetime(2025, 1, 1, 10, 7, tzinfo=UTC).timestamp()
    nxt = Cron("cron(0/15 * * * ? *)").next_after(start)
    assert datetime.fromtimestamp(nxt or 0, UTC).minute == 15
    weekday = Cron("cron(0 9 ? * MON-FRI *)").next_after(start)  # 2025-01-01 is a Wednesday
    assert datetime.fromtimestamp(weekday or 0, UTC) == datetime(2025, 1, 2, 9, 0, tzinfo=UTC)
    assert next_fire("rate(5 minutes)", 100.0) == 400.0
    with pytest.raises(ScheduleError):
        Cron("cron(0 9 L * ? *)")


def test_logs_subscription_payload(clients: Any, handler_code: Any) -> None:
    """A subscription filter delivers matching log events as awslogs.data = base64(gzip(json));
    without logs.amazonaws.com permission PutSubscriptionFilter is refused."""
    fn, arn, out = capture_fn(clients, handler_code)
    group = unique("/app/orders")
    clients.logs.create_log_group(logGroupName=group)
    clients.logs.create_log_stream(logGroupName=group, logStreamName="s1")
    with pytest.raises(ClientError) as exc:
        clients.logs.put_subscription_filter(
            logGroupName=group, filterName="errors", filterPattern="ERROR", destinationArn=arn
        )
    assert "permission" in str(exc.value)
    clients.lam.add_permission(
        FunctionName=fn,
        StatementId="logs",
        Action="lambda:InvokeFunction",
        Principal="logs.amazonaws.com",
        SourceArn=f"arn:aws:logs:us-east-1:123456789012:log-group:{group}:*",
    )
    clients.logs.put_subscription_filter(
        logGroupName=group, filterName="errors", filterPattern="ERROR", destinationArn=arn
    )
    now = int(time.time() * 1000)
    clients.logs.put_log_events(
        logGroupName=group,
        logStreamName="s1",
        logEvents=[
            {"timestamp": now, "message": "INFO all good"},
            {"timestamp": now + 1, "message": "ERROR card declined"},
        ],
    )
    event = wait_for(lambda: bodies(clients, out))[0]
    data = records.decode_logs_event(event)
    assert data["messageType"] == "DATA_MESSAGE"
    assert data["logGroup"] == group and data["logStream"] == "s1"
    assert data["subscriptionFilters"] == ["errors"]
    assert [e["message"] for e in data["logEvents"]] == ["ERROR card declined"]
