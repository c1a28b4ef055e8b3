"""Sample events for unit-testing handlers without any AWS (like ``sam local generate-event``).

generate_event("s3", "put", bucket="photos", key="cat.jpg")
generate_event("sqs", "receive-message", bodies=["a", "b"])
generate_event("sns", "notification", message='{"order": 1}')
generate_event("kinesis", "get-records", data=["hello"])
generate_event("dynamodb", "update")
generate_event("eventbridge", "scheduled-event") / ("eventbridge", "event", source=..., ...)
generate_event("cloudwatch", "logs", messages=["ERROR x"])
"""

from __future__ import annotations

import base64
import json
from typing import Any

from lablib.events import records

ACCOUNT = records.ACCOUNT
KINDS = {
    "s3": ("put", "delete"),
    "sqs": ("receive-message",),
    "sns": ("notification",),
    "kinesis": ("get-records",),
    "dynamodb": ("update",),
    "eventbridge": ("event", "scheduled-event"),
    "cloudwatch": ("logs",),
}


def generate_event(service: str, kind: str, **options: Any) -> dict[str, Any]:
    """An event in AWS's shape. Raises ValueError naming the valid services and kinds."""
    if service not in KINDS:
        raise ValueError(f"unknown service {service!r}: choose one of {', '.join(KINDS)}")
    if kind not in KINDS[service]:
        raise ValueError(
            f"unknown kind {kind!r} for {service}: choose one of {', '.join(KINDS[service])}"
        )
    region = options.get("region", "us-east-1")
    if service == "s3":
        name = "ObjectCreated:Put" if kind == "put" else "ObjectRemoved:Delete"
        record = records.s3_record(
            name,
            options.get("bucket", "example-bucket"),
            options.get("key", "test/key"),
            options.get("size", 1024),
            options.get("etag", "0123456789abcdef0123456789abcdef"),
            region,
        )
        return {"Records": [record]}
    if service == "sqs":
        queue = options.get("queue_arn", f"arn:aws:sqs:{region}:{ACCOUNT}:my-queue")
        bodies = options.get("bodies", ["Hello from SQS!"])
        return {"Records": [records.sqs_record(str(b), queue) for b in bodies]}
    if service == "sns":
        topic = options.get("topic_arn", f"arn:aws:sns:{region}:{ACCOUNT}:my-topic")
        record = records.sns_record(
            topic, options.get("message", "Hello from SNS!"), options.get("subject")
        )
        return {"Records": [record]}
    if service == "kinesis":
        stream = options.get("stream_arn", f"arn:aws:kinesis:{region}:{ACCOUNT}:stream/my-stream")
        out = []
        for i, data in enumerate(options.get("data", ["Hello, this is a test."])):
            encoded = base64.b64encode(str(data).encode()).decode()
            seq = f"4959033889305487380599935612343{i:025d}"
            out.append(
                records.kinesis_record(stream, "shardId-000000000000", seq, "1", encoded, 1.7e9)
            )
        return {"Records": out}
    if service == "dynamodb":
        return {"Records": _dynamodb(region, options.get("table", "ExampleTable"))}
    if service == "eventbridge":
        if kind == "scheduled-event":
            rule = options.get("rule_arn", f"arn:aws:events:{region}:{ACCOUNT}:rule/my-schedule")
            return records.scheduled_event(rule)
        return records.eventbridge_event(
            options.get("source", "com.example.orders"),
            options.get("detail_type", "Order Placed"),
            options.get("detail", {"orderId": "1"}),
            region,
        )
    messages = [
        (1_700_000_000_000 + i, str(m)) for i, m in enumerate(options.get("messages", ["hello"]))
    ]
    return records.logs_event(
        options.get("log_group", "/aws/lambda/example"),
        options.get("log_stream", "stream"),
        messages,
    )


def _dynamodb(region: str, table: str) -> list[dict[str, Any]]:
    stream = f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table}/stream/2024-01-01T00:00:00.000"
    keys = {"Id": {"N": "101"}}
    new = {"Id": {"N": "101"}, "Message": {"S": "New item!"}}
    newer = {"Id": {"N": "101"}, "Message": {"S": "This item has changed"}}
    steps = [("INSERT", None, new), ("MODIFY", new, newer), ("REMOVE", newer, None)]
    out = []
    for i, (name, old, fresh) in enumerate(steps):
        data: dict[str, Any] = {
            "ApproximateCreationDateTime": 1_700_000_000.0 + i,
            "Keys": keys,
            "SequenceNumber": str(111 + i * 111),
            "SizeBytes": 26 + i * 10,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        if fresh is not None:
            data["NewImage"] = fresh
        if old is not None:
            data["OldImage"] = old
        out.append(
            {
                "eventID": str(i + 1),
                "eventName": name,
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": region,
                "dynamodb": data,
                "eventSourceARN": stream,
            }
        )
    return out


def as_json(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2)
