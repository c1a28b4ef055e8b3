"""moto internals for event sources (with ``event_sources``; ``lablib.events`` uses them).

What it does:
- stops moto's own inline delivery (moto would call Lambda inside SendMessage, PutRecord,
  PutItem, Publish, PutObject, PutEvents, PutLogEvents) and hands push events to the handler
  lablib.events installs (``set_push_handler``), which queues them on Lambda's async path;
- keeps mappings away from moto's inline pollers and records where stream mappings start;
- runs the configuration-time checks lablib.events registers.

Reading mappings, queues, shards, stream records, schedule rules and function policies as plain
data for the pollers is ``lablib.aws.moto_bridge.event_sources``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import EventSourceMapping, LambdaBackend
from moto.core.exceptions import JsonRESTError as RESTError
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

from lablib.aws.moto_bridge import event_sources, events_targets
from lablib.aws.moto_bridge.event_sources import ACCOUNT
from lablib.aws.moto_bridge.once import once
from lablib.events import records

# (source, function_arn, source_arn, payload) -> None
PushHandler = Callable[[str, str, str, dict[str, Any]], None]
# validators return None or (error code, message)
EsmValidator = Callable[[dict[str, Any]], "tuple[str, str] | None"]
S3Validator = Callable[[str, list[dict[str, Any]]], "tuple[str, str, str] | None"]
LogsValidator = Callable[[str, str, str], "str | None"]  # (region, group, destination)

_hooks: dict[str, Any] = {"push": None, "esm": None, "s3": None, "logs": None}


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
@once
def install_patches() -> None:
    check_patch_points()
    _patch_mappings()
    _patch_push_sources()


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
        esm.lablib_start = event_sources.start_positions(esm)  # type: ignore[attr-defined]
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
