"""EventBridge rule targets the sample apps use beyond Lambda and SQS: SNS (with an input
transformer), Step Functions (with InputPath), Kinesis; a target that cannot be reached puts
the event on its dead-letter queue, and PutEvents never answers with an HTML 500."""

from __future__ import annotations

import json
import time
from typing import Any

from lablib.aws.server import LocalAWS

from .conftest import NO_RETRY


def _queue(aws: LocalAWS, name: str) -> tuple[str, str]:
    sqs = aws.client("sqs", config=NO_RETRY)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, str(arn["QueueArn"])


def _receive(aws: LocalAWS, url: str) -> dict[str, Any]:
    sqs = aws.client("sqs", config=NO_RETRY)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        got = sqs.receive_message(
            QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if got:
            return dict(got[0])
    raise AssertionError(f"nothing on {url}")


def test_sns_states_kinesis_targets_and_dead_letters(aws: LocalAWS, stack_name: str) -> None:
    events = aws.client("events", config=NO_RETRY)
    sns = aws.client("sns", config=NO_RETRY)
    sfn = aws.client("stepfunctions", config=NO_RETRY)
    kinesis = aws.client("kinesis", config=NO_RETRY)
    topic = sns.create_topic(Name=f"{stack_name}-t")["TopicArn"]
    watch_url, watch_arn = _queue(aws, f"{stack_name}-watch")
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=watch_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    machine = sfn.create_state_machine(
        name=f"{stack_name}-m",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    kinesis.create_stream(StreamName=f"{stack_name}-s", ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName=f"{stack_name}-s")["StreamDescription"][
        "StreamARN"
    ]
    dlq_url, dlq_arn = _queue(aws, f"{stack_name}-dlq")
    missing_topic = topic.rsplit(":", 1)[0] + ":no-such-topic"
    events.put_rule(Name=stack_name, EventPattern=json.dumps({"source": ["probe.app"]}))
    events.put_targets(
        Rule=stack_name,
        Targets=[
            {
                "Id": "sns",
                "Arn": topic,
                "InputTransformer": {
                    "InputPathsMap": {"colour": "$.detail.colour"},
                    "InputTemplate": '{"paint": <colour>}',
                },
            },
            {
                "Id": "sfn",
                "Arn": machine,
                "InputPath": "$.detail",
                "RoleArn": "arn:aws:iam::1:role/r",
            },
            {"Id": "kin", "Arn": stream_arn, "RoleArn": "arn:aws:iam::1:role/r"},
            {"Id": "lost", "Arn": missing_topic, "DeadLetterConfig": {"Arn": dlq_arn}},
        ],
    )
    out = events.put_events(
        Entries=[{"Source": "probe.app", "DetailType": "t", "Detail": '{"colour": "red"}'}]
    )
    assert out["FailedEntryCount"] == 0
    assert json.loads(_receive(aws, watch_url)["Body"]) == {"paint": "red"}
    executions = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert len(executions) == 1
    described = sfn.describe_execution(executionArn=executions[0]["executionArn"])
    assert json.loads(described["input"]) == {"colour": "red"}
    shard = kinesis.list_shards(StreamName=f"{stack_name}-s")["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=f"{stack_name}-s", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert json.loads(records[0]["Data"])["detail"] == {"colour": "red"}
    lost = _receive(aws, dlq_url)
    assert json.loads(lost["Body"])["source"] == "probe.app"
    assert lost["MessageAttributes"]["TARGET_ARN"]["StringValue"] == missing_topic
    assert "ERROR_MESSAGE" in lost["MessageAttributes"]
