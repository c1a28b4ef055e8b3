"""Push sources: S3 notifications, SNS subscriptions, EventBridge rules and CloudWatch Logs
subscription filters. Each event is shaped as AWS sends it, checked against the function's
resource-based policy, and queued on Lambda's asynchronous path (retries, DLQ, destinations).
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from typing import Any

from lablib.aws import moto_bridge
from lablib.events import permissions, records

_PATH_PART = re.compile(r"[^.\[\]]+")


class PushDelivery:
    """Receives push events from the moto bridge and queues them for the function."""

    def __init__(self, lambda_plane: Any) -> None:
        self.lambda_plane = lambda_plane
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(
        self, source: str, function_arn: str, source_arn: str, payload: dict[str, Any]
    ) -> None:
        region = _region(function_arn)
        try:
            event = self.shape(source, payload)
        except Exception as exc:
            print(f"lablib: events: could not shape a {source} event: {exc!r}", flush=True)
            return
        if event is None:  # e.g. a Logs batch that the filter pattern drops entirely
            return
        if not source_arn and source == "events":
            source_arn = f"arn:aws:events:{region}:{moto_bridge.ACCOUNT_ID}:rule/unknown"
        allowed, reason = permissions.check(source, function_arn, source_arn, region)
        if not allowed:
            self._count(f"{source}.denied")
            permissions.report_denied(source, function_arn, source_arn, region, reason)
            return
        try:
            self.lambda_plane.invoke_async(function_arn, json.dumps(event).encode(), None, region)
        except moto_bridge.ResolveError as exc:
            self._count(f"{source}.denied")
            permissions.report_denied(source, function_arn, source_arn, region, exc.message)
            return
        self._count(f"{source}.delivered")

    def _count(self, key: str) -> None:
        with self._lock:
            self.stats[key] += 1

    @staticmethod
    def shape(source: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if source == "s3":
            return records.s3_from_moto(payload)
        if source == "sns":
            record = records.sns_record(
                payload["topic_arn"],
                payload["message"],
                payload.get("subject"),
                payload.get("message_attributes"),
                payload.get("message_id"),
                payload.get("subscription_arn"),
            )
            return {"Records": [record]}
        if source == "events":
            shaped: dict[str, Any] | None = eventbridge_input(payload)
            return shaped
        if source == "logs":
            kept = [
                e
                for e in payload["logEvents"]
                if matches_filter(payload.get("filterPattern", ""), e["message"])
            ]
            if not kept:
                return None
            return records.logs_event(
                payload["logGroup"],
                payload["logStream"],
                kept,
                payload.get("subscriptionFilters"),
                payload.get("owner", records.ACCOUNT),
            )
        raise ValueError(f"unknown push source {source!r}")


def _region(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if arn.startswith("arn:") and len(parts) > 3 else "us-east-1"


# -- EventBridge -----------------------------------------------------------------------------
def _normalise(event: dict[str, Any]) -> dict[str, Any]:
    event = dict(event)
    event.pop("ingestion-time", None)
    when = event.get("time")
    if isinstance(when, int | float):
        event["time"] = records.iso_s(float(when))
    return event


def json_path(document: Any, path: str) -> Any:
    """A value by a simple JSONPath ($, $.a.b, $.a[0])."""
    if path in ("$", ""):
        return document
    value = document
    for part in _PATH_PART.findall(path.removeprefix("$")):
        if isinstance(value, list) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def eventbridge_input(payload: dict[str, Any]) -> Any:
    """The input a target gets: the event, or Input / InputPath / InputTransformer."""
    event = _normalise(payload["event"])
    target = payload.get("target") or {}
    if target.get("Input"):
        return json.loads(target["Input"])
    if target.get("InputPath"):
        return json_path(event, target["InputPath"])
    transformer = target.get("InputTransformer")
    if transformer:
        values = {
            name: json_path(event, path)
            for name, path in (transformer.get("InputPathsMap") or {}).items()
        }
        text = transformer.get("InputTemplate", "")

        def fill(match: re.Match[str]) -> str:
            value = values.get(match.group(1))
            return value if isinstance(value, str) else json.dumps(value)

        rendered = re.sub(r"<([A-Za-z0-9_.-]+)>", fill, text)
        try:
            return json.loads(rendered)
        except ValueError:
            return rendered
    return event


# -- CloudWatch Logs filter patterns ---------------------------------------------------------
def matches_filter(pattern: str, message: str) -> bool:
    """Space-separated terms must all appear; ``?term`` terms: any one; ``-term`` excludes;
    quoted phrases match exactly; an empty pattern matches everything. (JSON and
    space-delimited patterns are treated as 'match everything', a documented gap.)"""
    pattern = pattern.strip()
    if not pattern or pattern.startswith(("{", "[")):
        return True
    terms = re.findall(r'-?\??"[^"]*"|\S+', pattern)
    optional = [t[1:].strip('"') for t in terms if t.startswith("?")]
    excluded = [t[1:].strip('"') for t in terms if t.startswith("-")]
    required = [t.strip('"') for t in terms if not t.startswith(("?", "-"))]
    if any(t and t in message for t in excluded):
        return False
    if required and not all(t in message for t in required):
        return False
    if optional and not any(t in message for t in optional):
        return False
    return True
