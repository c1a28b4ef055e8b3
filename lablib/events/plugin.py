"""``install(local)``: starts the event sources on a LocalAWS (the server calls it).

- a supervisor thread keeps one poller per event source mapping (SQS, Kinesis, DynamoDB
  Streams); pollers invoke synchronously through ``local.lambda_plane.invoke``;
- push events (S3, SNS, EventBridge, CloudWatch Logs) arrive from the moto bridge and are
  queued with ``local.lambda_plane.invoke_async`` after the resource-policy check;
- a scheduler thread fires EventBridge ``rate()``/``cron()`` rules on the lab clock;
- configuration-time checks answer as AWS does (missing queue, batch sizes, overlapping S3
  filters, missing permissions, malformed schedules).
``close()`` stops every thread it started.
"""

from __future__ import annotations

from typing import Any

from lablib.aws import fidelity_http
from lablib.aws.moto_bridge import events as bridge
from lablib.events import mappings, schedules, validation
from lablib.events.push import PushDelivery
from lablib.events.sqs import SqsPoller
from lablib.events.streams import StreamPoller


class EventSources:
    def __init__(self, local: Any) -> None:
        self.local = local
        bridge.install_patches()
        self.push = PushDelivery(local.lambda_plane)
        bridge.set_push_handler(self.push)
        bridge.set_validators(
            mappings.validate, validation.s3_notifications, validation.subscription_filter
        )
        self.supervisor = mappings.Supervisor(self._make_poller)
        self.scheduler = schedules.ScheduleRunner(local.clock, self.push)
        # Loud about accepted-but-not-simulated settings (lablib/aws/fidelity.yaml).
        fidelity_http.install(local, ["lambda", "s3", "sns", "events", "logs"])

    def _make_poller(self, mapping: dict[str, Any]) -> Any:
        service = mapping["EventSourceArn"].split(":")[2]
        if service == "sqs":
            return SqsPoller(mapping, self.local.lambda_plane, self.local)
        if service in ("kinesis", "dynamodb"):
            return StreamPoller(mapping, self.local)
        return None

    def close(self) -> None:
        self.scheduler.close()
        self.supervisor.close()
        bridge.set_push_handler(None)
        bridge.set_validators(None, None, None)


def install(local: Any) -> EventSources:
    return EventSources(local)
