"""Identity-based policy evaluation, the part IAM applies to a role's own policies.

An explicit ``Deny`` wins; otherwise some ``Allow`` must match; otherwise the call is
implicitly denied. Actions match case-insensitively, resources case-sensitively, both with
``*`` and ``?`` wildcards. Conditions are not evaluated (a statement with a Condition is
treated as if it matched; the learning mode says so in its documentation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Decision:
    allowed: bool
    explicit_deny: bool = False


@lru_cache(maxsize=4096)
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)
    return re.compile(f"^{regex}$", re.IGNORECASE if ignore_case else 0 | re.DOTALL)


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _matches(patterns: list[str], value: str, ignore_case: bool) -> bool:
    return any(_pattern(p, ignore_case).match(value) for p in patterns)


def statement_applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    if "Action" in statement:
        action_ok = _matches(_listed(statement["Action"]), action, True)
    else:
        action_ok = not _matches(_listed(statement.get("NotAction")), action, True)
    if not action_ok:
        return False
    if "Resource" in statement:
        return _matches(_listed(statement["Resource"]), resource, False)
    if "NotResource" in statement:
        return not _matches(_listed(statement["NotResource"]), resource, False)
    return False


def evaluate(documents: list[dict[str, Any]], action: str, resource: str) -> Decision:
    allowed = False
    for document in documents:
        statements = document.get("Statement") or []
        if isinstance(statements, dict):
            statements = [statements]
        for statement in statements:
            if not isinstance(statement, dict) or not statement_applies(
                statement, action, resource
            ):
                continue
            if statement.get("Effect") == "Deny":
                return Decision(False, explicit_deny=True)
            if statement.get("Effect") == "Allow":
                allowed = True
    return Decision(allowed)
