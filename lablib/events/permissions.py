"""Resource-based policy checks for push sources, and the diagnostics shown when a push
event is not delivered (a line in the server output and an entry in a CloudWatch Logs group).

Diagnostics group: ``/lablib/event-sources``, stream ``delivery-denied``: one JSON line per
event that was not delivered, with the source, function, principal and the reason.
"""

from __future__ import annotations

import fnmatch
import json
import time
from typing import Any

from lablib.aws import moto_bridge
from lablib.aws.moto_bridge import event_sources as bridge

DIAGNOSTICS_GROUP = "/lablib/event-sources"
DIAGNOSTICS_STREAM = "delivery-denied"
PRINCIPALS = {
    "s3": ("s3.amazonaws.com",),
    "sns": ("sns.amazonaws.com",),
    "events": ("events.amazonaws.com",),
    "logs": ("logs.amazonaws.com", "logs.{region}.amazonaws.com"),
}


def principals_for(source: str, region: str) -> tuple[str, ...]:
    return tuple(p.format(region=region) for p in PRINCIPALS[source])


def _values(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _resource_matches(resource: str, function_arn: str) -> bool:
    """A statement on the unqualified function covers unqualified calls only; one on a
    version or alias covers calls to that qualifier (as in AWS)."""
    resource = resource.removesuffix(":$LATEST")
    target = function_arn.removesuffix(":$LATEST")
    return resource in (target, "*") or fnmatch.fnmatchcase(target, resource)


def _condition_ok(condition: dict[str, Any], source_arn: str, account: str) -> bool:
    for operator, tests in condition.items():
        for key, expected in tests.items():
            key_l = key.lower()
            if key_l == "aws:sourcearn":
                actual = source_arn
            elif key_l == "aws:sourceaccount":
                actual = account
            else:
                continue
            patterns = _values(expected)
            if operator in ("ArnLike", "StringLike"):
                ok = any(fnmatch.fnmatchcase(actual, p) for p in patterns)
            else:
                ok = actual in patterns
            if not ok:
                return False
    return True


def check(source: str, function_arn: str, source_arn: str, region: str) -> tuple[bool, str]:
    """(allowed, reason): may ``source`` (s3, sns, events, logs) invoke ``function_arn``?"""
    statements = bridge.policy_statements(function_arn)
    principals = principals_for(source, region)
    if statements is None:
        return False, f"function {function_arn} does not exist"
    if not statements:
        return False, (
            f"function {function_arn} has no resource-based policy; call lambda "
            f"add-permission with principal {principals[0]} and SourceArn {source_arn}"
        )
    for statement in statements:
        if statement.get("Effect", "Allow") != "Allow":
            continue
        actions = _values(statement.get("Action", ""))
        if not any(a in ("lambda:InvokeFunction", "lambda:*", "*") for a in actions):
            continue
        principal = statement.get("Principal", {})
        names = (
            _values(principal.get("Service", ""))
            if isinstance(principal, dict)
            else [str(principal)]
        )
        if not any(n in principals or n == "*" for n in names):
            continue
        if not _resource_matches(str(statement.get("Resource", "")), function_arn):
            continue
        if _condition_ok(statement.get("Condition") or {}, source_arn, moto_bridge.ACCOUNT_ID):
            return True, "allowed by statement " + str(statement.get("Sid", ""))
    return False, (
        f"no statement in the resource-based policy of {function_arn} lets principal "
        f"{principals[0]} invoke it for source {source_arn}; call lambda add-permission "
        f"with Principal={principals[0]} and SourceArn={source_arn}"
    )


def report_denied(
    source: str, function_arn: str, source_arn: str, region: str, reason: str
) -> None:
    """Make a not-delivered push event visible: server output and a CloudWatch Logs entry."""
    print(f"lablib: events: {source} event from {source_arn} NOT delivered: {reason}", flush=True)
    entry = {
        "source": source,
        "sourceArn": source_arn,
        "functionArn": function_arn,
        "principal": principals_for(source, region)[0],
        "reason": reason,
    }
    try:
        moto_bridge.MotoLogSink().put(
            moto_bridge.ACCOUNT_ID,
            region,
            DIAGNOSTICS_GROUP,
            DIAGNOSTICS_STREAM,
            [(int(time.time() * 1000), json.dumps(entry))],
        )
    except Exception as exc:  # diagnostics must never break delivery of other events
        print(f"lablib: events: could not write diagnostics: {exc!r}", flush=True)
