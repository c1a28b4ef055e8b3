"""IAM-style policy evaluation for ``execute-api:Invoke``: the policies Lambda authorizers
return, and API resource policies (simulated: Principal ``*``, Resource wildcards and the
``aws:SourceIp`` IpAddress/NotIpAddress conditions; other conditions are not evaluated)."""

from __future__ import annotations

import fnmatch
import ipaddress
from typing import Any


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _resource_matches(pattern: str, arn: str) -> bool:
    if pattern.startswith("execute-api:/"):
        # resource-policy shorthand: execute-api:/stage/METHOD/path
        prefix = arn.split("/", 1)[0]
        pattern = prefix + "/" + pattern[len("execute-api:/") :]
    return fnmatch.fnmatchcase(arn, pattern) or pattern == "*"


def _action_matches(action: Any) -> bool:
    return any(a in ("execute-api:Invoke", "execute-api:*", "*") for a in _as_list(action))


def _condition_holds(condition: dict[str, Any], source_ip: str) -> bool:
    for operator, block in (condition or {}).items():
        if not isinstance(block, dict):
            continue
        for key, values in block.items():
            if key.lower() != "aws:sourceip":
                continue
            inside = any(
                ipaddress.ip_address(source_ip) in ipaddress.ip_network(str(cidr), strict=False)
                for cidr in _as_list(values)
            )
            if operator == "IpAddress" and not inside:
                return False
            if operator == "NotIpAddress" and inside:
                return False
    return True


def evaluate(policy: dict[str, Any], arn: str, source_ip: str = "127.0.0.1") -> str:
    """'Deny' (explicit), 'Allow', or 'Implicit' (nothing matched)."""
    allowed = False
    for statement in _as_list(policy.get("Statement")):
        if not isinstance(statement, dict) or not _action_matches(statement.get("Action")):
            continue
        if not any(_resource_matches(str(r), arn) for r in _as_list(statement.get("Resource"))):
            continue
        if not _condition_holds(statement.get("Condition") or {}, source_ip):
            continue
        effect = str(statement.get("Effect", "")).capitalize()
        if effect == "Deny":
            return "Deny"
        if effect == "Allow":
            allowed = True
    return "Allow" if allowed else "Implicit"
