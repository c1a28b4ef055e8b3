"""Event records in AWS's shapes, one builder per source (used by the delivery code and by
``samples``). Field names and nesting follow the AWS Lambda developer guide's examples.

Also the plain forms the moto bridge (``lablib.aws.moto_bridge.events`` and
``event_sources``) gives what it reads: an S3 notification configuration
(``plain_notification``) and DynamoDB stream images in AWS's wire shape (``wire``,
``item_size``, ``epoch_seconds``)."""

from __future__ import annotations

import base64
import gzip
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, unquote_plus

ACCOUNT = "123456789012"


def iso_ms(epoch: float | None = None) -> str:
    """2024-01-01T00:00:00.000Z"""
    moment = datetime.fromtimestamp(time.time() if epoch is None else epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_s(epoch: float | None = None) -> str:
    """2024-01-01T00:00:00Z (EventBridge's time format)"""
    moment = datetime.fromtimestamp(time.time() if epoch is None else epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- S3 ---------------------------------------------------------------------------------------
def s3_record(
    event_name: str,
    bucket: str,
    key: str,
    size: int | None = 0,
    etag: str | None = "",
    region: str = "us-east-1",
    configuration_id: str = "",
    quoted: bool = False,
) -> dict[str, Any]:
    """One S3 notification record. ``event_name`` like ``ObjectCreated:Put``."""
    # AWS URL-encodes the key (space -> '+') but leaves '/' alone
    obj: dict[str, Any] = {"key": quote_plus(unquote_plus(key) if quoted else key, safe="/")}
    if event_name.startswith("ObjectCreated"):
        obj["size"] = size
        obj["eTag"] = etag
    obj["sequencer"] = f"{time.time_ns():X}"[:18]
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_ms(),
        "eventName": event_name,
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLELOCAL"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {
            "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
            "x-amz-id-2": base64.b64encode(uuid.uuid4().bytes * 2).decode(),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }


def s3_from_moto(body: dict[str, Any]) -> dict[str, Any]:
    """Complete moto's S3 event (it lacks identity, request and response fields)."""
    records = []
    for raw in body.get("Records", []):
        s3 = raw["s3"]
        record = s3_record(
            raw["eventName"],
            s3["bucket"]["name"],
            s3["object"]["key"],
            s3["object"].get("size"),
            s3["object"].get("eTag"),
            raw.get("awsRegion", "us-east-1"),
            s3.get("configurationId", ""),
            quoted=True,
        )
        record["eventTime"] = raw.get("eventTime", record["eventTime"])
        records.append(record)
    return {"Records": records}


def plain_notification(config: dict[str, Any]) -> list[dict[str, Any]]:
    """moto's parsed XML -> [{kind, id, arn, events, prefix, suffix}]."""
    kinds = {
        "CloudFunctionConfiguration": ("lambda", "CloudFunction"),
        "QueueConfiguration": ("sqs", "Queue"),
        "TopicConfiguration": ("sns", "Topic"),
    }
    out = []
    for key, (kind, arn_key) in kinds.items():
        entries = config.get(key) or []
        if isinstance(entries, dict):
            entries = [entries]
        for entry in entries:
            events = entry.get("Event") or []
            if isinstance(events, str):
                events = [events]
            rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("FilterRule") or []
            if isinstance(rules, dict):
                rules = [rules]
            values = {str(r.get("Name", "")).lower(): str(r.get("Value", "")) for r in rules}
            out.append(
                {
                    "kind": kind,
                    "id": entry.get("Id", ""),
                    "arn": entry.get(arn_key, ""),
                    "events": list(events),
                    "prefix": values.get("prefix", ""),
                    "suffix": values.get("suffix", ""),
                }
            )
    return out


# -- SNS --------------------------------------------------------------------------------------
def sns_record(
    topic_arn: str,
    message: str,
    subject: str | None = None,
    message_attributes: dict[str, Any] | None = None,
    message_id: str | None = None,
    subscription_arn: str | None = None,
) -> dict[str, Any]:
    """One SNS record (Records[].Sns); Message stays a string as on AWS."""
    region = topic_arn.split(":")[3] if topic_arn.count(":") >= 5 else "us-east-1"
    subscription_arn = subscription_arn or f"{topic_arn}:{uuid.uuid4()}"
    # AWS names the signing certificate by its hash and the subscription in the unsubscribe URL.
    cert = "SimpleNotificationService-" + uuid.uuid5(uuid.NAMESPACE_URL, region).hex + ".pem"
    attributes = {}
    for name, value in (message_attributes or {}).items():
        kind = value.get("Type") or value.get("DataType") or "String"
        data = value.get("Value", value.get("StringValue", value.get("BinaryValue")))
        attributes[name] = {"Type": kind, "Value": data}
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "Sns": {
            "Type": "Notification",
            "MessageId": message_id or str(uuid.uuid4()),
            "TopicArn": topic_arn,
            "Subject": subject,
            "Message": message,
            "Timestamp": iso_ms(),
            "SignatureVersion": "1",
            "Signature": "EXAMPLE",
            "SigningCertUrl": f"https://sns.{region}.amazonaws.com/{cert}",
            "UnsubscribeUrl": (
                f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
                f"&SubscriptionArn={subscription_arn}"
            ),
            "MessageAttributes": attributes,
        },
    }


# -- SQS --------------------------------------------------------------------------------------
def sqs_record(
    body: str,
    queue_arn: str = f"arn:aws:sqs:us-east-1:{ACCOUNT}:my-queue",
    message_id: str | None = None,
    receive_count: int = 1,
    group_id: str | None = None,
) -> dict[str, Any]:
    import hashlib

    now = str(int(time.time() * 1000))
    attributes = {
        "ApproximateReceiveCount": str(receive_count),
        "SentTimestamp": now,
        "SenderId": "AIDAEXAMPLELOCAL",
        "ApproximateFirstReceiveTimestamp": now,
    }
    if group_id:
        attributes["MessageGroupId"] = group_id
        attributes["MessageDeduplicationId"] = uuid.uuid4().hex
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": base64.b64encode(uuid.uuid4().bytes * 3).decode(),
        "body": body,
        "attributes": attributes,
        "messageAttributes": {},
        "md5OfMessageAttributes": None,
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - AWS's own field
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }


# -- Kinesis ------------------------------------------------------------------------------------
def kinesis_record(
    stream_arn: str,
    shard_id: str,
    sequence_number: str,
    partition_key: str,
    data_b64: str,
    arrival: float,
    role_arn: str = f"arn:aws:iam::{ACCOUNT}:role/lambda-role",
) -> dict[str, Any]:
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": sequence_number,
            "data": data_b64,
            "approximateArrivalTimestamp": round(arrival, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": stream_arn.split(":")[3],
        "eventSourceARN": stream_arn,
    }


# -- DynamoDB Streams ---------------------------------------------------------------------------
def dynamodb_record(
    stream_arn: str, event_id: str, event_name: str, dynamodb: dict[str, Any], arrival: float
) -> dict[str, Any]:
    """A DynamoDB Streams record as Lambda receives it (creation time in whole seconds)."""
    dynamodb = dict(dynamodb)
    dynamodb["ApproximateCreationDateTime"] = float(int(arrival))
    return {
        "eventID": event_id,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": stream_arn.split(":")[3],
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def wire(value: Any) -> Any:
    """Binary attributes (B, BS, nested in M/L) as base64 text, as AWS sends them: a record
    with raw bytes could not be serialised, and the poller would retry it forever."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {key: wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [wire(item) for item in value]
    return value


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size rule: attribute name bytes plus value bytes."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Any) -> int:
    if not isinstance(value, dict) or len(value) != 1:
        return 0
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(str(inner).encode())
    if kind == "B":
        return len(base64.b64decode(inner)) if isinstance(inner, str) else len(inner)
    if kind == "N":
        digits = str(inner).lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: element}) for element in inner)
    if kind == "L":
        return 3 + sum(1 + _value_size(element) for element in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in inner.items())
    return 0


def epoch_seconds(value: Any) -> float:
    if isinstance(value, datetime):
        from calendar import timegm

        return timegm(value.utctimetuple()) + value.microsecond / 1e6
    try:
        return float(value)
    except (TypeError, ValueError):
        import time

        return time.time()


# -- EventBridge ------------------------------------------------------------------------------
def eventbridge_event(
    source: str,
    detail_type: str,
    detail: dict[str, Any],
    region: str = "us-east-1",
    resources: list[str] | None = None,
    event_id: str | None = None,
    when: float | None = None,
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": iso_s(when),
        "region": region,
        "resources": list(resources or []),
        "detail": detail,
    }


def scheduled_event(rule_arn: str, when: float | None = None) -> dict[str, Any]:
    """What a schedule rule sends: source aws.events, detail-type Scheduled Event."""
    return eventbridge_event(
        "aws.events", "Scheduled Event", {}, rule_arn.split(":")[3], [rule_arn], when=when
    )


# -- CloudWatch Logs --------------------------------------------------------------------------
def logs_event(
    log_group: str,
    log_stream: str,
    messages: list[tuple[int, str]] | list[dict[str, Any]],
    filter_names: list[str] | None = None,
    owner: str = ACCOUNT,
) -> dict[str, Any]:
    """``{"awslogs": {"data": base64(gzip(json))}}`` as a subscription filter delivers it."""
    events = []
    for item in messages:
        if isinstance(item, dict):
            events.append(
                {"id": str(item["id"]), "timestamp": item["timestamp"], "message": item["message"]}
            )
        else:
            stamp, message = item
            events.append(
                {"id": f"{stamp}{len(events):08d}", "timestamp": stamp, "message": message}
            )
    data = {
        "messageType": "DATA_MESSAGE",
        "owner": owner,
        "logGroup": log_group,
        "logStream": log_stream,
        "subscriptionFilters": list(filter_names or ["lablib-filter"]),
        "logEvents": events,
    }
    packed = gzip.compress(json.dumps(data, separators=(",", ":")).encode())
    return {"awslogs": {"data": base64.b64encode(packed).decode()}}


def decode_logs_event(event: dict[str, Any]) -> dict[str, Any]:
    """The inverse of ``logs_event``: what a handler does with event['awslogs']['data']."""
    value: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    return value
