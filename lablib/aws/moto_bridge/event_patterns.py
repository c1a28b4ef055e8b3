"""The one EventBridge event-pattern matcher: moto's, which EventBridge rules already use.

Event source mapping FilterCriteria (lablib.events.filters) match records with it too, so
rules and filters accept the same grammar (``prefix``, ``suffix``, ``anything-but`` with a
value, a list or a prefix, ``numeric``, ``exists``, ``equals-ignore-case``, ``cidr``,
``wildcard``, ``$or``).
"""

from __future__ import annotations

import json
from typing import Any

from moto.events.models import EventPattern, EventPatternParser

__all__ = ["PatternError", "matches", "parse"]


class PatternError(ValueError):
    """The pattern is not a valid event pattern (the reason is AWS's)."""


def parse(pattern: str) -> dict[str, Any]:
    """The pattern as a dict, validated as PutRule validates an EventPattern."""
    try:
        parsed: dict[str, Any] = EventPatternParser(pattern).parse()
    except Exception as exc:
        raise PatternError(getattr(exc, "message", None) or str(exc)) from None
    if not isinstance(parsed, dict):
        raise PatternError("Filter is not an object")
    return parsed


def matches(pattern: dict[str, Any], document: dict[str, Any]) -> bool:
    """Whether ``document`` (an event, or a record as a filter sees it) matches."""
    matcher = EventPattern(json.dumps(pattern), pattern)
    return bool(matcher.matches_event(document))  # type: ignore[arg-type]
