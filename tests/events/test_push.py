"""Push sources: S3 notifications and SNS subscriptions, delivered asynchronously after the
resource-based policy check; what happens without the permission."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.events.conftest import drain_queue, unique, wait_for

CAPTURE = """
import json, os, boto3
sqs = boto3.client("sqs")
def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["OUT"], MessageBody=json.dumps(event))
"""


def out_queue(clients: Any) -> str:
    url: str = clients.sqs.create_queue(QueueName=unique("out"))["QueueUrl"]
    return url


def captured(clients: Any, url: str, count: int = 1, timeout: float = 10) -> list[Any]:
    got: list[Any] = []
    wait_for(
        lambda: (
            len(got.__iadd__([json.loads(m["Body"]) for m in drain_queue(clients.sqs, url)]))
            >= count
        ),
        timeout,
    )
    return got


def allow(clients: Any, fn: str, principal: str, source_arn: str) -> None:
    clients.lam.add_permission(
        FunctionName=fn,
        StatementId=unique("allow"),
        Action="lambda:InvokeFunction",
        Principal=principal,
        SourceArn=source_arn,
        SourceAccount="123456789012",
    )


def notify(
    clients: Any,
    bucket: str,
    fn_arn: str,
    prefix: str = "",
    suffix: str = "",
    events: list[str] | None = None,
) -> None:
    rules = []
    if prefix:
        rules.append({"Name": "prefix", "Value": prefix})
    if suffix:
        rules.append({"Name": "suffix", "Value": suffix})
    config: dict[str, Any] = {
        "LambdaFunctionArn": fn_arn,
        "Events": events or ["s3:ObjectCreated:*"],
    }
    if rules:
        config["Filter"] = {"Key": {"FilterRules": rules}}
    clients.s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [config]}
    )


def test_s3_event_shape_and_filters(clients: Any, handler_code: Any) -> None:
    """s3.event-shape: the upload's bucket and key are in Records[0].s3; prefix/suffix filters
    decide which keys notify; ObjectRemoved events arrive too."""
    out = out_queue(clients)
    fn = handler_code(CAPTURE, Environment={"Variables": {"OUT": out}})
    arn = clients.lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    bucket = unique("photos")
    clients.s3.create_bucket(Bucket=bucket)
    allow(clients, fn, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    notify(
        clients,
        bucket,
        arn,
        prefix="uploads/",
        suffix=".jpg",
        events=["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
    )
    clients.s3.put_object(Bucket=bucket, Key="uploads/cat.txt", Body=b"no")  # suffix mismatch
    clients.s3.put_object(Bucket=bucket, Key="other/cat.jpg", Body=b"no")  # prefix mismatch
    clients.s3.put_object(Bucket=bucket, Key="uploads/my cat.jpg", Body=b"meow")
    event = captured(clients, out)[0]
    record = event["Records"][0]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert record["s3"]["object"]["key"] == "uploads/my+cat.jpg"  # URL-encoded, as on AWS
    assert record["s3"]["object"]["size"] == 4
    assert set(record) >= {
        "eventVersion",
        "awsRegion",
        "eventTime",
        "userIdentity",
        "requestParameters",
        "responseElements",
    }
    clients.s3.delete_object(Bucket=bucket, Key="uploads/my cat.jpg")
    removed = captured(clients, out)[0]["Records"][0]
    assert removed["eventName"].startswith("ObjectRemoved:")
    time.sleep(0.3)
    assert drain_queue(clients.sqs, out) == []  # the two filtered-out uploads never arrived


def test_s3_needs_permission(clients: Any, handler_code: Any) -> None:
    """s3.invoke-permission-required: without add-permission for s3.amazonaws.com the
    notification configuration is refused; with it (scoped to the bucket) it is accepted."""
    fn = handler_code("def handler(e, c):\n    return None\n")
    arn = clients.lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    bucket = unique("docs")
    clients.s3.create_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        notify(clients, bucket, arn)
    assert exc.value.response["Error"]["Code"] == "InvalidArgument"
    assert "Unable to validate the following destination configurations" in str(exc.value)
    allow(clients, fn, "s3.amazonaws.com", "arn:aws:s3:::some-other-bucket")
    with pytest.raises(ClientError):
        notify(clients, bucket, arn)  # a permission for another bucket does not count
    allow(clients, fn, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    notify(clients, bucket, arn)


def test_s3_overlapping_filters_refused(clients: Any, handler_code: Any) -> None:
    """Two rules with overlapping prefixes and suffixes for the same event type: refused."""
    fn = handler_code("def handler(e, c):\n    return None\n")
    arn = clients.lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    bucket = unique("overlap")
    clients.s3.create_bucket(Bucket=bucket)
    allow(clients, fn, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")

    def rule(prefix: str, event: str) -> dict[str, Any]:
        return {
            "LambdaFunctionArn": arn,
            "Events": [event],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}},
        }

    with pytest.raises(ClientError) as exc:
        clients.s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [
                    rule("images/", "s3:ObjectCreated:*"),
                    rule("images/thumbs/", "s3:ObjectCreated:Put"),
                ]
            },
        )
    assert "overlapping" in str(exc.value)
    clients.s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                rule("images/", "s3:ObjectCreated:*"),
                rule("images/", "s3:ObjectRemoved:*"),
            ]
        },
    )


def test_sns_event_shape(clients: Any, handler_code: Any) -> None:
    """sns.event-shape: the message is a string in Records[0].Sns.Message (parse it with
    json.loads); EventSource is aws:sns (capital E, unlike SQS's eventSource)."""
    out = out_queue(clients)
    fn = handler_code(CAPTURE, Environment={"Variables": {"OUT": out}})
    arn = clients.lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    topic = clients.sns.create_topic(Name=unique("alerts"))["TopicArn"]
    allow(clients, fn, "sns.amazonaws.com", topic)
    clients.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    clients.sns.publish(
        TopicArn=topic,
        Message=json.dumps({"order": 7}),
        Subject="new order",
        MessageAttributes={"priority": {"DataType": "String", "StringValue": "high"}},
    )
    record = captured(clients, out)[0]["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert "eventSource" not in record
    assert record["Sns"]["TopicArn"] == topic
    assert isinstance(record["Sns"]["Message"], str)
    assert json.loads(record["Sns"]["Message"]) == {"order": 7}
    assert record["Sns"]["Subject"] == "new order"
    assert record["Sns"]["MessageAttributes"]["priority"] == {"Type": "String", "Value": "high"}
    assert record["EventSubscriptionArn"].startswith(topic)


def test_sns_without_permission_is_not_delivered_and_says_why(
    clients: Any, handler_code: Any
) -> None:
    """lambda.add-permission-policy: an SNS topic (a push source) needs a resource-based policy
    statement; without it nothing runs and the diagnostics log group says why."""
    out = out_queue(clients)
    fn = handler_code(CAPTURE, Environment={"Variables": {"OUT": out}})
    arn = clients.lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    topic = clients.sns.create_topic(Name=unique("silent"))["TopicArn"]
    clients.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    clients.sns.publish(TopicArn=topic, Message="lost?")
    time.sleep(0.5)
    assert drain_queue(clients.sqs, out) == []

    def denial() -> list[str]:
        events = clients.logs.filter_log_events(
            logGroupName="/lablib/event-sources", filterPattern=topic.split(":")[-1]
        )["events"]
        return [e["message"] for e in events]

    message = json.loads(wait_for(denial)[0])
    assert message["principal"] == "sns.amazonaws.com"
    assert "add-permission" in message["reason"]
    allow(clients, fn, "sns.amazonaws.com", topic)
    clients.sns.publish(TopicArn=topic, Message="found")
    assert captured(clients, out)[0]["Records"][0]["Sns"]["Message"] == "found"


def test_push_source_failures_retry_then_dlq(clients: Any, handler_code: Any) -> None:
    """push.async-retry-dlq: S3 invokes asynchronously, so a failing function runs three
    times (two retries, 1 and 2 lab minutes apart) and the event then goes to its DLQ."""
    dlq = out_queue(clients)
    dlq_arn = clients.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    fn = handler_code(
        "def handler(e, c):\n    raise ValueError('cannot resize')\n",
        DeadLetterConfig={"TargetArn": dlq_arn},
    )
    arn = clients.lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    bucket = unique("resize")
    clients.s3.create_bucket(Bucket=bucket)
    allow(clients, fn, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    notify(clients, bucket, arn)
    began = time.monotonic()
    clients.s3.put_object(Bucket=bucket, Key="big.png", Body=b"x")
    dead = wait_for(lambda: drain_queue(clients.sqs, dlq))
    assert time.monotonic() - began >= 2.5  # 1 + 2 lab minutes at 60x
    assert json.loads(dead[0]["Body"])["Records"][0]["s3"]["object"]["key"] == "big.png"
    starts = clients.logs.filter_log_events(
        logGroupName=f"/aws/lambda/{fn}", filterPattern='"START RequestId"'
    )
    assert len(starts["events"]) == 3
