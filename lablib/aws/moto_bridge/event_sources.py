"""moto internals read for the event-source pollers (``lablib.events``): event source
mappings, function settings and policies, SQS queues (receive, delete, visibility), Kinesis
shards and DynamoDB stream records, and EventBridge schedule rules, all as plain data.
``lablib.aws.moto_bridge.events`` holds the patches that stop moto's own delivery.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from moto.awslambda.models import lambda_backends
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.events import models as events_models
from moto.kinesis.models import kinesis_backends
from moto.sqs.models import sqs_backends

from lablib.aws.moto_bridge.backends import region_backend
from lablib.events import records

ACCOUNT = DEFAULT_ACCOUNT_ID


def start_positions(esm: Any) -> dict[str, int]:
    """Where LATEST starts: the count of records per shard when the mapping was created."""
    service = esm.event_source_arn.split(":")[2]
    if service == "kinesis":
        stream = _kinesis_stream(esm.event_source_arn)
        if stream is not None:
            return {sid: _last_seq(shard) for sid, shard in stream.shards.items()}
    if service == "dynamodb":
        shard = _ddb_shard(esm.event_source_arn)
        if shard is not None:
            return {shard.id: len(shard.items)}
    return {}


def _last_seq(shard: Any) -> int:
    keys = list(shard.records.keys())
    return int(keys[-1]) if keys else -1


# -- reading: functions and mappings --------------------------------------------------------
def _lambda(region: str) -> Any:
    return region_backend(lambda_backends, ACCOUNT, region)


def _function(function_arn: str) -> Any:
    parts = function_arn.split(":")
    region = parts[3] if len(parts) > 3 and function_arn.startswith("arn:") else "us-east-1"
    try:
        return _lambda(region).get_function(function_arn)
    except Exception:
        return None


def policy_statements(function_arn: str) -> list[dict[str, Any]] | None:
    """The function's resource-based policy statements; None if the function is missing."""
    fn = _function(function_arn)
    if fn is None:
        return None
    return copy.deepcopy(list(fn.policy.statements))


def function_timeout(function_name_or_arn: str, region: str) -> float | None:
    try:
        fn = _lambda(region).get_function(function_name_or_arn)
    except Exception:
        return None
    return float(fn.timeout)


def function_arn(function_name_or_arn: str, region: str) -> str | None:
    try:
        fn = _lambda(region).get_function(function_name_or_arn)
    except Exception:
        return None
    arn: str = fn.function_arn
    return arn


def list_mappings() -> list[dict[str, Any]]:
    """Every event source mapping in every region, as plain configuration dicts."""
    out = []
    for region, backend in list(lambda_backends[ACCOUNT].items()):
        for esm in list(backend._event_source_mappings.values()):
            config = esm.get_configuration()
            config["Region"] = region
            config["FunctionName"] = esm.function_name
            config["lablib_start"] = dict(getattr(esm, "lablib_start", {}))
            config["Enabled"] = bool(esm.enabled)
            out.append(config)
    return out


def get_mapping(region: str, uuid: str) -> dict[str, Any] | None:
    esm = _lambda(region)._event_source_mappings.get(uuid)
    if esm is None:
        return None
    config: dict[str, Any] = esm.get_configuration()
    config["Enabled"] = bool(esm.enabled)
    return config


def set_mapping_result(region: str, uuid: str, result: str) -> None:
    """What GetEventSourceMapping shows as LastProcessingResult."""
    esm = _lambda(region)._event_source_mappings.get(uuid)
    if esm is not None:
        esm.lablib_last_result = result


def function_role(function_arn: str) -> str:
    fn = _function(function_arn)
    return "" if fn is None else str(fn.role)


# -- SQS ------------------------------------------------------------------------------------
def _queue(queue_arn: str) -> Any:
    parts = queue_arn.split(":")
    if len(parts) < 6:
        return None
    return sqs_backends[parts[4]][parts[3]].queues.get(parts[5])


def queue_info(queue_arn: str) -> dict[str, Any] | None:
    queue = _queue(queue_arn)
    if queue is None:
        return None
    return {
        "visibility_timeout": int(queue.visibility_timeout or 30),
        "fifo": bool(queue.fifo_queue),
        "redrive": dict(queue.redrive_policy or {}),
    }


def _message(message: Any, queue_arn: str, region: str) -> dict[str, Any]:
    attributes = {
        "ApproximateReceiveCount": str(message.approximate_receive_count),
        "SentTimestamp": str(message.sent_timestamp),
        "SenderId": str(message.sender_id),
        "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
    }
    if message.group_id:
        attributes["MessageGroupId"] = message.group_id
        attributes["MessageDeduplicationId"] = message.deduplication_id or ""
        if message.sequence_number:
            attributes["SequenceNumber"] = str(message.sequence_number)
    user = {}
    for name, value in (message.message_attributes or {}).items():
        user[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType", "String"),
        }
    record: dict[str, Any] = {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": user,
        "md5OfBody": message.body_md5,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    # AWS sends the key with null when the message has no attributes.
    record["md5OfMessageAttributes"] = message.attribute_md5 if user else None
    return record


def sqs_receive(queue_arn: str, count: int, visibility_timeout: int) -> list[dict[str, Any]]:
    """Receive up to ``count`` visible messages, as SQS does (redrive to the DLQ after
    maxReceiveCount, one batch per FIFO group in flight). One pass over the queue: moto's own
    receive recomputes every queue attribute per message, which is far too slow for a poller.
    """
    queue = _queue(queue_arn)
    if queue is None:
        return []
    region = queue_arn.split(":")[3]
    now = time.time() * 1000
    retention_ms = float(queue.message_retention_period or 345600) * 1000
    redrive = queue.redrive_policy or {}
    dlq = queue.dead_letter_queue
    max_receive = int(redrive.get("maxReceiveCount", 0) or 0)
    # a timed-out message is no longer in flight (moto releases them one at a time, which
    # would deliver the last message of a FIFO group first)
    for message in list(queue.pending_messages):
        if now > message.visible_at:
            queue.pending_messages.discard(message)
    busy_groups = {m.group_id for m in queue.pending_messages if m.group_id}
    result: list[dict[str, Any]] = []
    to_dlq = []
    for message in list(queue._messages):
        if now <= message.visible_at or now < message.delayed_until:
            continue
        if queue.fifo_queue and message.group_id in busy_groups:
            continue
        if dlq is not None and max_receive and message.approximate_receive_count >= max_receive:
            to_dlq.append(message)
            continue
        if message.sent_timestamp and message.sent_timestamp + retention_ms <= now:
            continue  # past the retention period: SQS never delivers it again
        queue.pending_messages.add(message)
        message.mark_received(visibility_timeout=visibility_timeout)
        result.append(_message(message, queue_arn, region))
        if len(result) >= count:
            break
    for message in to_dlq:
        queue._messages.remove(message)
        dlq.add_message(message)
    return result


def sqs_wait(queue_arn: str, timeout: float) -> None:
    """Sleep until a message arrives in the queue (or ``timeout`` seconds pass)."""
    queue = _queue(queue_arn)
    if queue is None:
        threading.Event().wait(timeout)
        return
    with queue._messages_lock:
        queue._messages_lock.wait(timeout)


def sqs_delete(queue_arn: str, receipt_handle: str) -> bool:
    queue = _queue(queue_arn)
    if queue is None:
        return False
    try:
        queue.delete_message(receipt_handle)
    except Exception:
        return False
    return True


def sqs_change_visibility(queue_arn: str, receipt_handle: str, seconds: int) -> bool:
    queue = _queue(queue_arn)
    if queue is None:
        return False
    backend = sqs_backends[queue_arn.split(":")[4]][queue_arn.split(":")[3]]
    try:
        backend.change_message_visibility(queue.name, receipt_handle, seconds)
    except Exception:
        return False
    return True


# -- Kinesis and DynamoDB Streams ----------------------------------------------------------
def _kinesis_stream(stream_arn: str) -> Any:
    parts = stream_arn.split(":")
    if len(parts) < 6:
        return None
    for stream in kinesis_backends[parts[4]][parts[3]].streams.values():
        if stream.arn == stream_arn:
            return stream
    return None


def kinesis_shards(stream_arn: str) -> list[str] | None:
    stream = _kinesis_stream(stream_arn)
    return None if stream is None else list(stream.shards.keys())


def kinesis_records(stream_arn: str, shard_id: str, after: int, limit: int) -> list[dict[str, Any]]:
    """Records of one shard with sequence number > ``after``, oldest first."""
    stream = _kinesis_stream(stream_arn)
    shard = None if stream is None else stream.shards.get(shard_id)
    if shard is None:
        return []
    out = []
    for seq, record in list(shard.records.items()):
        if int(seq) <= after:
            continue
        out.append(
            {
                "seq": int(seq),
                "partition_key": record.partition_key,
                "data": record.data,
                "arrival": float(record.created_at),
            }
        )
        if len(out) >= limit:
            break
    return out


def _ddb_table(stream_arn: str) -> Any:
    parts = stream_arn.split(":")
    if len(parts) < 6 or "/stream/" not in parts[5]:
        return None
    table_name = parts[5].split("/")[1]
    table = dynamodb_backends[parts[4]][parts[3]].tables.get(table_name)
    if table is None or f"{table.table_arn}/stream/{table.latest_stream_label}" != stream_arn:
        return None
    return table


def _ddb_shard(stream_arn: str) -> Any:
    table = _ddb_table(stream_arn)
    return None if table is None else table.stream_shard


def ddb_shards(stream_arn: str) -> list[str] | None:
    shard = _ddb_shard(stream_arn)
    return None if shard is None else [shard.id]


def ddb_records(stream_arn: str, after: int, limit: int) -> list[dict[str, Any]]:
    """Stream records with index > ``after`` (index = position in the shard), oldest first,
    as plain data (``lablib.events.records.dynamodb_record`` gives them AWS's shape)."""
    shard = _ddb_shard(stream_arn)
    if shard is None:
        return []
    items = list(shard.items)
    out = []
    for index in range(max(after + 1, 0), min(len(items), after + 1 + limit)):
        raw = items[index].to_json()
        dynamodb = records.wire(dict(raw["dynamodb"]))
        dynamodb["SizeBytes"] = sum(
            records.item_size(dynamodb.get(part) or {}) for part in ("Keys", "NewImage", "OldImage")
        )
        arrival = records.epoch_seconds(dynamodb.get("ApproximateCreationDateTime"))
        out.append(
            {
                "seq": index,
                "event_id": raw["eventID"],
                "event_name": raw["eventName"],
                "dynamodb": dynamodb,
                "arrival": arrival,
            }
        )
    return out


# -- EventBridge schedules -----------------------------------------------------------------
def schedule_rules() -> list[dict[str, Any]]:
    """Every rule with a ScheduleExpression, with its state and targets."""
    out = []
    for region, backend in list(events_models.events_backends[ACCOUNT].items()):
        for bus in list(backend.event_buses.values()):
            for rule in list(bus.rules.values()):
                if not rule.scheduled_expression:
                    continue
                out.append(
                    {
                        "region": region,
                        "name": rule.name,
                        "arn": rule.arn,
                        "expression": rule.scheduled_expression,
                        "state": rule.state,
                        "targets": copy.deepcopy(list(rule.targets)),
                    }
                )
    return out


def stream_exists(arn: str) -> bool:
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    if service == "sqs":
        return _queue(arn) is not None
    if service == "kinesis":
        return _kinesis_stream(arn) is not None
    if service == "dynamodb":
        return _ddb_table(arn) is not None
    return False
