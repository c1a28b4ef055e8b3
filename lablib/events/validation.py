"""Configuration-time checks for push sources, answered the way AWS answers them."""

from __future__ import annotations

from typing import Any

from lablib.events import permissions

OVERLAP = (
    "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if "
    "the prefixes are overlapping for the same event type."
)
UNVALIDATED = "Unable to validate the following destination configurations"
LOGS_DENIED = (
    "Could not execute the lambda function. Make sure you have given CloudWatch Logs "
    "permission to execute your function."
)


def _events_overlap(a: str, b: str) -> bool:
    a, b = a.removeprefix("s3:"), b.removeprefix("s3:")
    if a == b:
        return True
    for wide, narrow in ((a, b), (b, a)):
        if wide.endswith(":*") and narrow.startswith(wide[:-1]):
            return True
    return False


def _overlap(x: dict[str, Any], y: dict[str, Any]) -> str | None:
    prefixes = x["prefix"].startswith(y["prefix"]) or y["prefix"].startswith(x["prefix"])
    suffixes = x["suffix"].endswith(y["suffix"]) or y["suffix"].endswith(x["suffix"])
    if not (prefixes and suffixes):
        return None
    for a in x["events"]:
        for b in y["events"]:
            if _events_overlap(a, b):
                return str(a)
    return None


def s3_notifications(bucket: str, configs: list[dict[str, Any]]) -> tuple[str, str, str] | None:
    """(message, argument name, argument value) for PutBucketNotificationConfiguration."""
    for i, first in enumerate(configs):
        for second in configs[i + 1 :]:
            event = _overlap(first, second)
            if event:
                return OVERLAP, "Event", event
    for config in configs:
        if config["kind"] != "lambda":
            continue
        arn = config["arn"]
        region = arn.split(":")[3] if arn.count(":") >= 5 else "us-east-1"
        allowed, _reason = permissions.check("s3", arn, f"arn:aws:s3:::{bucket}", region)
        if not allowed:
            return UNVALIDATED, arn, f"Not authorized to invoke function [{arn}]."
    return None


def subscription_filter(region: str, log_group: str, destination_arn: str) -> str | None:
    """PutSubscriptionFilter to a function needs logs.amazonaws.com in its policy."""
    from lablib.aws import moto_bridge

    source = f"arn:aws:logs:{region}:{moto_bridge.ACCOUNT_ID}:log-group:{log_group}:*"
    allowed, _reason = permissions.check("logs", destination_arn, source, region)
    return None if allowed else LOGS_DENIED
