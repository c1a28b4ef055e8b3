"""moto internals for event sources (the only such place; ``lablib.events`` uses this).

What it does:
- stops moto's own inline delivery (moto would call Lambda inside SendMessage, PutRecord,
  PutItem, Publish, PutObject, PutEvents, PutLogEvents) and hands push events to the handler
  lablib.events installs (``set_push_handler``), which queues them on Lambda's async path;
- keeps mappings away from moto's inline pollers and records where stream mappings start;
- reads mappings, queues, shards, stream records, schedule rules and function policies as plain
  data for the pollers, and runs the configuration-time checks lablib.events registers.
"""

from __future__ import annotations

import copy
import functools
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import EventSourceMapping, LambdaBackend, lambda_backends
from moto.core.exceptions import JsonRESTError as RESTError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.events import models as events_models
from moto.events import notifications as events_notifications
from moto.kinesis.models import kinesis_backends
from moto.logs.exceptions import InvalidParameterException as LogsInvalidParameter
from moto.logs.models import LogsBackend
from moto.s3 import models as s3_models
from moto.s3 import notifications as s3_notifications
from moto.s3.exceptions import InvalidArgumentError
from moto.sns.models import Subscription
from moto.sqs.models import sqs_backends

from lablib.aws.moto_bridge import events_targets
from lablib.events import records

ACCOUNT = DEFAULT_ACCOUNT_ID
# (source, function_arn, source_arn, payload) -> None
PushHandler = Callable[[str, str, str, dict[str, Any]], None]
# validators return None or (error code, message)
EsmValidator = Callable[[dict[str, Any]], "tuple[str, str] | None"]
S3Validator = Callable[[str, list[dict[str, Any]]], "tuple[str, str, str] | None"]
LogsValidator = Callable[[str, str, str], "str | None"]  # (region, group, destination)

_hooks: dict[str, Any] = {"push": None, "esm": None, "s3": None, "logs": None}
_patched = False
_lock = threading.Lock()


def check_patch_points() -> None:
    """Fail loudly if an attribute the event sources rely on moved in moto."""
    needed = [
        (LambdaBackend, "create_event_source_mapping"),
        (LambdaBackend, "send_log_event"),
        (Subscription, "publish"),
        (events_models.Rule, "send_to_targets"),
        (s3_notifications, "_invoke_awslambda"),
        (events_notifications, "_invoke_lambda"),
        (s3_models.S3Backend, "put_bucket_notification_configuration"),
        (LogsBackend, "put_subscription_filter"),
        (EventSourceMapping, "get_configuration"),
    ]
    for owner, attr in needed:
        if not hasattr(owner, attr):
            raise RuntimeError(f"moto moved {getattr(owner, '__name__', owner)}.{attr}")


def set_push_handler(handler: PushHandler | None) -> None:
    _hooks["push"] = handler


def set_validators(
    esm: EsmValidator | None, s3: S3Validator | None, logs: LogsValidator | None
) -> None:
    _hooks["esm"] = esm
    _hooks["s3"] = s3
    _hooks["logs"] = logs


def _push(source: str, function_arn: str, source_arn: str, payload: dict[str, Any]) -> None:
    handler = _hooks["push"]
    if handler is None:
        print(f"lablib: {source} event for {function_arn} dropped: event sources not running")
        return
    handler(source, function_arn, source_arn, payload)


# -- patches ---------------------------------------------------------------------------------
def install_patches() -> None:
    global _patched
    with _lock:
        if _patched:
            return
        check_patch_points()
        _patch_mappings()
        _patch_push_sources()
        _patched = True


def _patch_mappings() -> None:
    original = LambdaBackend.create_event_source_mapping

    @functools.wraps(original)
    def create(self: Any, spec: dict[str, Any]) -> Any:
        validate = _hooks["esm"]
        if validate is not None:
            problem = validate(dict(spec, RegionName=self.region_name))
            if problem:
                code, message = problem
                if code == "InvalidParameterValueException":
                    raise InvalidParameterValueException(message)
                raise RESTError(code, message)
        esm = original(self, spec)
        _detach_inline(esm)
        esm.lablib_start = _start_positions(esm)  # type: ignore[attr-defined]
        return esm

    LambdaBackend.create_event_source_mapping = create  # type: ignore[method-assign]

    original_config = EventSourceMapping.get_configuration

    @functools.wraps(original_config)
    def get_configuration(self: Any) -> dict[str, Any]:
        config: dict[str, Any] = original_config(self)
        config["LastProcessingResult"] = getattr(self, "lablib_last_result", "No records processed")
        return config

    EventSourceMapping.get_configuration = get_configuration  # type: ignore[method-assign]


def _detach_inline(esm: Any) -> None:
    """moto registers the mapping on the queue/table/stream to invoke inline; undo that."""
    region, arn = esm.region, esm.event_source_arn
    service = arn.split(":")[2]
    if service == "sqs":
        for queue in sqs_backends[ACCOUNT][region].queues.values():
            queue.lambda_event_source_mappings.pop(esm.function_arn, None)
    elif service == "kinesis":
        for stream in kinesis_backends[ACCOUNT][region].streams.values():
            stream.lambda_event_source_mappings.pop(arn, None)
    elif service == "dynamodb":
        for table in dynamodb_backends[ACCOUNT][region].tables.values():
            table.lambda_event_source_mappings.pop(esm.function_arn, None)


def _start_positions(esm: Any) -> dict[str, int]:
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


def _patch_push_sources() -> None:
    # S3 bucket notifications: moto invokes inline; we queue an async event instead.
    def s3_invoke(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        bucket = event_body["Records"][0]["s3"]["bucket"]["name"]
        _push("s3", fn_arn, f"arn:aws:s3:::{bucket}", event_body)

    s3_notifications._invoke_awslambda = s3_invoke

    def eb_invoke(account_id: str, fn_arn: str, event: Any) -> None:
        _push("events", fn_arn, "", dict(event))

    events_notifications._invoke_lambda = eb_invoke

    original_put = s3_models.S3Backend.put_bucket_notification_configuration

    @functools.wraps(original_put)
    def put_notification(self: Any, bucket_name: str, config: dict[str, Any]) -> None:
        self.get_bucket(bucket_name)
        validate = _hooks["s3"]
        if validate is not None:
            problem = validate(bucket_name, records.plain_notification(config))
            if problem:
                message, name, value = problem
                raise InvalidArgumentError(message, name, value)
        original_put(self, bucket_name, config)

    s3_models.S3Backend.put_bucket_notification_configuration = put_notification  # type: ignore[method-assign,assignment]

    original_publish = Subscription.publish

    @functools.wraps(original_publish)
    def publish(self: Any, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
        if self.protocol != "lambda":
            return original_publish(self, message, message_id, *args, **kwargs)
        names = ("subject", "message_attributes", "group_id", "deduplication_id")
        extra = dict(zip(names, args, strict=False), **kwargs)
        matcher = self._filter_policy_matcher
        if matcher is not None and not matcher.matches(extra.get("message_attributes"), message):
            return None
        if extra.get("message_structure") == "json":
            message = self._parse_message_structure(message, "lambda")
        payload = {
            "topic_arn": self.topic.arn,
            "subscription_arn": self.arn,
            "message_id": message_id,
            "message": message,
            "subject": extra.get("subject"),
            "message_attributes": extra.get("message_attributes") or {},
        }
        _push("sns", self.endpoint, self.topic.arn, payload)
        return None

    Subscription.publish = publish  # type: ignore[method-assign]

    original_send = events_models.Rule.send_to_targets

    @functools.wraps(original_send)
    def send_to_targets(self: Any, event: Any, transform_input: bool = True) -> None:
        if self.state != "ENABLED" or not self.event_pattern.matches_event(event):
            return
        if self.scheduled_expression and not self.event_pattern.get_pattern():
            return  # a schedule-only rule matches no events (moto would match them all)
        lambdas = [t for t in self.targets if ":lambda:" in t.get("Arn", "")]
        others = [t for t in self.targets if events_targets.handled_by_moto(t)]
        for target in lambdas:
            payload = {"event": copy.deepcopy(event), "target": copy.deepcopy(target)}
            _push("events", target["Arn"], self.arn, payload)
        for target in self.targets:
            if target not in lambdas and target not in others:
                events_targets.deliver(self.arn, target, copy.deepcopy(event))
        if others:
            rest = copy.copy(self)
            rest.targets = others
            original_send(rest, event, transform_input)

    events_models.Rule.send_to_targets = send_to_targets  # type: ignore[method-assign,assignment]

    original_filter = LogsBackend.put_subscription_filter

    @functools.wraps(original_filter)
    def put_subscription_filter(
        self: Any,
        log_group_name: str,
        filter_name: str,
        filter_pattern: str,
        destination_arn: str,
        role_arn: str,
    ) -> None:
        validate = _hooks["logs"]
        if validate is not None and ":lambda:" in destination_arn and log_group_name in self.groups:
            problem = validate(self.region_name, log_group_name, destination_arn)
            if problem:
                raise LogsInvalidParameter(problem)
        original_filter(
            self, log_group_name, filter_name, filter_pattern, destination_arn, role_arn
        )

    LogsBackend.put_subscription_filter = put_subscription_filter  # type: ignore[method-assign]

    def send_log_event(
        self: Any,
        function_arn: str,
        filter_name: str,
        log_group_name: str,
        log_stream_name: str,
        log_events: Any,
    ) -> None:
        from moto.logs.models import logs_backends

        group = logs_backends[ACCOUNT][self.region_name].groups.get(log_group_name)
        found = None if group is None else group.subscription_filters.get(filter_name)
        payload = {
            "filterPattern": "" if found is None else (found.filter_pattern or ""),
            "owner": ACCOUNT,
            "logGroup": log_group_name,
            "logStream": log_stream_name,
            "subscriptionFilters": [filter_name],
            "logEvents": list(log_events),
        }
        group_arn = f"arn:aws:logs:{self.region_name}:{ACCOUNT}:log-group:{log_group_name}:*"
        _push("logs", function_arn, group_arn, payload)

    LambdaBackend.send_log_event = send_log_event  # type: ignore[method-assign]


# -- reading: functions and mappings --------------------------------------------------------
def _lambda(region: str) -> Any:
    return lambda_backends[ACCOUNT][region]


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


def log_group_exists(region: str, name: str) -> bool:
    from moto.logs.models import logs_backends

    return name in logs_backends[ACCOUNT][region].groups


def stream_exists(arn: str) -> bool:
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    if service == "sqs":
        return _queue(arn) is not None
    if service == "kinesis":
        return _kinesis_stream(arn) is not None
    if service == "dynamodb":
        return _ddb_table(arn) is not None
    return False
