"""Event source mapping scenarios: the responses, and the records a handler receives (read
from the function's log, where the handler prints its event, as the recorded tests did)."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.parity.harness import Context, call

PRINT_EVENT = (
    "import json\n\n\ndef handler(event, context):\n    print(json.dumps(event))\n    return {}\n"
)


def invocation_events(ctx: Context, function: str, count: int, timeout: float = 60.0) -> list[Any]:
    """The events the function printed, oldest first, once ``count`` arrived."""
    logs = ctx.client("logs")
    deadline = time.monotonic() + timeout
    found: list[Any] = []
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        found = [
            json.loads(e["message"])
            for e in sorted(events, key=lambda e: e["timestamp"])
            if e["message"].startswith('{"Records"')
        ]
        if len(found) >= count:
            break
        time.sleep(0.1)
    return found


def _wait_enabled(ctx: Context, uuid: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if ctx.lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled":
            return
        time.sleep(0.1)


def sqs_mapping(ctx: Context) -> dict[str, Any]:
    url, arn = ctx.queue()
    name = ctx.create_function(PRINT_EVENT)["FunctionName"]
    created = call(
        ctx.lam.create_event_source_mapping, EventSourceArn=arn, FunctionName=name,
        MaximumBatchingWindowInSeconds=1,
    )  # fmt: skip
    _wait_enabled(ctx, created["UUID"])
    ctx.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps({"foo": "bar"}))
    events = invocation_events(ctx, name, 1)
    for event in events:
        for record in event["Records"]:
            record["body"] = json.loads(record["body"])
    ctx.lam.delete_event_source_mapping(UUID=created["UUID"])
    return {"create-event-source-mapping-response": created, "events": events}


def sqs_mapping_batch_window(ctx: Context) -> dict[str, Any]:
    _, arn = ctx.queue()
    name = ctx.create_function(PRINT_EVENT)["FunctionName"]
    created = call(ctx.lam.create_event_source_mapping, EventSourceArn=arn, FunctionName=name)
    invalid_update = call(ctx.lam.update_event_source_mapping, UUID=created["UUID"], BatchSize=20)
    ctx.lam.delete_event_source_mapping(UUID=created["UUID"])
    _, other = ctx.queue()
    invalid_create = call(
        ctx.lam.create_event_source_mapping, EventSourceArn=other, FunctionName=name, BatchSize=20
    )
    return {
        "create-event-source-mapping": created,
        "invalid-update-event-source-mapping": invalid_update,
        "invalid-create-event-source-mapping": invalid_create,
    }


def kinesis_mapping(ctx: Context) -> dict[str, Any]:
    kinesis = ctx.client("kinesis")
    stream = ctx.name("stream")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    name = ctx.create_function(PRINT_EVENT)["FunctionName"]
    created = call(
        ctx.lam.create_event_source_mapping, EventSourceArn=arn, FunctionName=name,
        StartingPosition="LATEST",
    )  # fmt: skip
    _wait_enabled(ctx, created["UUID"])
    kinesis.put_records(
        StreamName=stream,
        Records=[{"Data": b"hello", "PartitionKey": f"test_{i}"} for i in range(10)],
    )
    events = invocation_events(ctx, name, 1)
    ctx.lam.delete_event_source_mapping(UUID=created["UUID"])
    return {
        "create_event_source_mapping_response": created,
        "kinesis_records": events[0] if events else None,
    }


def kinesis_stream_not_found(ctx: Context) -> dict[str, Any]:
    name = ctx.create_function(PRINT_EVENT)["FunctionName"]
    arn = "arn:aws:kinesis:us-east-1:123456789012:stream/test-foobar-81ded7e8"
    return {
        "error": call(
            ctx.lam.create_event_source_mapping,
            EventSourceArn=arn,
            FunctionName=name,
            StartingPosition="LATEST",
        )  # fmt: skip
    }


def _table_with_stream(ctx: Context, key: str, view: str) -> tuple[str, str]:
    dynamodb = ctx.client("dynamodb")
    table = ctx.name("table")
    described = dynamodb.create_table(
        TableName=table, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )["TableDescription"]  # fmt: skip
    return table, str(described["LatestStreamArn"])


def dynamodb_mapping(ctx: Context) -> dict[str, Any]:
    table, stream_arn = _table_with_stream(ctx, "my_partition_key", "NEW_IMAGE")
    name = ctx.create_function(PRINT_EVENT)["FunctionName"]
    created = call(
        ctx.lam.create_event_source_mapping, EventSourceArn=stream_arn, FunctionName=name,
        StartingPosition="TRIM_HORIZON", BatchSize=1, MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=1,
    )  # fmt: skip
    _wait_enabled(ctx, created["UUID"])
    ctx.client("dynamodb").put_item(
        TableName=table,
        Item={"my_partition_key": {"S": "hello world"}, "binary_key": {"B": b"foobar"}},
    )
    events = invocation_events(ctx, name, 1)
    ctx.lam.delete_event_source_mapping(UUID=created["UUID"])
    return {"create_event_source_mapping_response": created, "event_logs": events}


def dynamodb_stream_not_found(ctx: Context) -> dict[str, Any]:
    name = ctx.create_function(PRINT_EVENT)["FunctionName"]
    arn = (
        "arn:aws:dynamodb:us-east-1:123456789012:table/test-table-4a53f4e8/stream/"
        "2025-02-22T03:03:25.490"
    )
    return {
        "error": call(
            ctx.lam.create_event_source_mapping,
            EventSourceArn=arn,
            FunctionName=name,
            StartingPosition="TRIM_HORIZON",
        )  # fmt: skip
    }


def _printed_records(ctx: Context, function: str, count: int) -> list[Any]:
    """Every record (or event) the function printed, once ``count`` arrived."""
    logs = ctx.client("logs")
    deadline = time.monotonic() + 60
    found: list[Any] = []
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        found = []
        for event in sorted(events, key=lambda e: e["timestamp"]):
            if event["message"].startswith("{"):
                printed = json.loads(event["message"])
                found += printed.get("Records", [printed])
        if len(found) >= count:
            break
        time.sleep(0.1)
    return found


def s3_object_created(ctx: Context) -> dict[str, Any]:
    s3 = ctx.client("s3")
    bucket = ctx.name("bucket")
    s3.create_bucket(Bucket=bucket)
    created = ctx.create_function(PRINT_EVENT)
    ctx.lam.add_permission(
        FunctionName=created["FunctionName"], StatementId="s3", Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}",
    )  # fmt: skip
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": created["FunctionArn"], "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    s3.put_object(Bucket=bucket, Key="my_key_0", Body=b"something")
    s3.put_object(Bucket=bucket, Key="my_key_1", Body=b"something else")
    records = _printed_records(ctx, created["FunctionName"], 2)
    records.sort(key=lambda r: r["s3"]["object"]["key"])
    return {"receive_messages": {"messages": records}}


def eventbridge_to_lambda(ctx: Context) -> dict[str, Any]:
    events = ctx.client("events")
    created = ctx.create_function(PRINT_EVENT)
    rule = ctx.name("rule")
    rule_arn = events.put_rule(
        Name=rule, EventPattern=json.dumps({"source": ["core.update-account-command"]})
    )["RuleArn"]
    ctx.lam.add_permission(
        FunctionName=created["FunctionName"], StatementId="events", Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com", SourceArn=rule_arn,
    )  # fmt: skip
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": created["FunctionArn"]}])
    events.put_events(
        Entries=[
            {
                "Source": "core.update-account-command",
                "DetailType": "core.update-account-command",
                "Detail": json.dumps(
                    {
                        "command": "update-account",
                        "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"},
                    }
                ),
            }
        ]
    )
    return {"events": _printed_records(ctx, created["FunctionName"], 1)}


def sns_to_lambda(ctx: Context) -> dict[str, Any]:
    sns = ctx.client("sns")
    topic = sns.create_topic(Name=ctx.name("topic"))["TopicArn"]
    created = ctx.create_function(PRINT_EVENT)
    ctx.lam.add_permission(
        FunctionName=created["FunctionName"], StatementId="sns", Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com", SourceArn=topic,
    )  # fmt: skip
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=created["FunctionArn"])
    sns.publish(TopicArn=topic, Subject="[Subject] Test subject", Message="Hello world.")
    records = _printed_records(ctx, created["FunctionName"], 1)
    return {"notification": records[0]["Sns"] if records else None}
