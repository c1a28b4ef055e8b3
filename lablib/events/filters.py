"""Event source mapping FilterCriteria: which records reach the function.

AWS's rules (Lambda developer guide, "Control which events Lambda sends to your function"):
a record passes when any one of the mapping's filters matches it; patterns use
EventBridge's grammar, so the matcher is the one EventBridge rules use
(``lablib.aws.moto_bridge.event_patterns``). The record is matched as the function would
receive it, except that the data field (SQS ``body``, Kinesis ``data`` after base64
decoding) is parsed when it is a JSON object or array. A filter on that field with a JSON
pattern (an object) never matches a plain-string body, and a plain-string pattern (a list)
never matches a JSON body: AWS drops the message. A filter that does not name the field
matches on the other fields (metadata) only; Kinesis filters see the ``data`` key only (top
level, as AWS documents: ``{"data": {"kind": ["click"]}}``). Records that no filter
matches are dropped: SQS deletes them, streams move past them.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from lablib.aws.moto_bridge import event_patterns

PatternError = event_patterns.PatternError


def patterns(criteria: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The parsed patterns of a FilterCriteria (empty: no filtering)."""
    return [
        event_patterns.parse(str(f.get("Pattern") or "{}"))
        for f in (criteria or {}).get("Filters") or []
    ]


def _data_field(record: dict[str, Any]) -> tuple[str, Any] | None:
    """(field name, parsed value or the plain string) for SQS and Kinesis records."""
    if "body" in record and "messageId" in record:
        text = record["body"]
        return "body", _json_or_text(text)
    if "kinesis" in record:
        try:
            text = base64.b64decode(record["kinesis"]["data"]).decode()
        except (ValueError, UnicodeDecodeError):
            return "data", None
        return "data", _json_or_text(text)
    return None


def _json_or_text(text: str) -> Any:
    try:
        parsed = json.loads(text)
    except (TypeError, ValueError):
        return text
    return parsed if isinstance(parsed, (dict, list)) else text


def _named(node: Any, path: tuple[str, ...]) -> list[Any]:
    """Every sub-pattern at ``path`` (the data field), also inside ``$or`` branches."""
    if not isinstance(node, dict) or not path:
        return []
    found: list[Any] = []
    head, rest = path[0], path[1:]
    if head in node:
        found += _named(node[head], rest) if rest else [node[head]]
    for branch in _alternatives(node):
        found += _named(branch, path)
    return found


def _alternatives(node: Any) -> list[dict[str, Any]]:
    branches = node.get("$or") if isinstance(node, dict) else None
    return [b for b in branches if isinstance(b, dict)] if isinstance(branches, list) else []


def _one(pattern: dict[str, Any], record: dict[str, Any]) -> bool:
    field = _data_field(record)
    if field is None:
        return event_patterns.matches(pattern, record)
    name, value = field
    for sub in _named(pattern, (name,)):
        is_json = isinstance(value, (dict, list))
        if isinstance(sub, dict) != is_json:
            return False  # AWS drops a message whose format differs from the pattern's
    if name == "data":  # Kinesis mappings filter on the data key only
        return event_patterns.matches(pattern, {"data": value})
    document = json.loads(json.dumps(record))
    document["body"] = value
    return event_patterns.matches(pattern, document)


def record_matches(parsed: list[dict[str, Any]], record: dict[str, Any]) -> bool:
    """Whether a record (as the function receives it) passes the mapping's filters."""
    return not parsed or any(_one(pattern, record) for pattern in parsed)
