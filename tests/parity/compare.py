"""Structural comparison of a local response with one recorded on real AWS.

Recorded values come from LocalStack's snapshot files, where identifiers were replaced by
placeholders when they were recorded: ``<uuid:1>`` (a value that must be the same wherever
``<uuid:1>`` appears, and differ from ``<uuid:2>``), ``<code-size>`` (any value), or a
placeholder inside a string (``arn:<partition>:lambda:<region>:111111111111:function:<fn:1>``).
Dates were replaced by ``date``/``datetime``/``timestamp``; the account by ``111111111111``.

The comparison is strict otherwise: the same keys at every level, the same types and equal
literals. ``ResponseMetadata`` is compared on its status code only (the recordings keep no
headers).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

PLACEHOLDER = re.compile(r"<([A-Za-z0-9_./\- ]+?)(?::(\d+))?>")
DATE_WORDS = {"date", "datetime", "timestamp", "<datetime>", "<date>", "<timestamp>"}
# Other values LocalStack's recorder replaced by a fixed word (any value matches).
REPLACED_WORDS = {
    "code-sha256",
    "log-result",
    "sent-timestamp",
    "sender-id",
    "snf_role_arn",
    "amz-id",
    "amz-request-id",
    "sequencer",
}
RECORDED_ACCOUNT = "111111111111"
LOCAL_ACCOUNT = "123456789012"


@dataclass
class Bindings:
    """Placeholder name -> local value, and the reverse, so bindings stay one-to-one."""

    values: dict[str, Any] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)

    def bind(self, key: str, value: Any) -> str | None:
        text = repr(value)
        if key in self.values:
            if self.values[key] != value:
                return f"{key} was {self.values[key]!r}, here {value!r}"
            return None
        owner = self.owners.get(text)
        if owner is not None and owner.split(":")[0] == key.split(":")[0] and owner != key:
            return f"{key} and {owner} are one value here ({value!r}); AWS shows two"
        self.values[key] = value
        self.owners[text] = key
        return None


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(LOCAL_ACCOUNT, RECORDED_ACCOUNT)
    return value


def _is_date(value: Any) -> bool:
    if isinstance(value, datetime.datetime | datetime.date):
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value > 1_000_000_000  # epoch seconds or milliseconds
    if isinstance(value, str):
        return bool(re.match(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d", value)) or bool(
            re.match(r"^\d{10,13}(\.\d+)?$", value)
        )
    return False


def _string(recorded: str, actual: Any, path: str, bindings: Bindings) -> list[str]:
    if recorded in DATE_WORDS:
        return [] if _is_date(actual) else [f"{path}: a date on AWS, here {actual!r}"]
    if recorded in REPLACED_WORDS:
        return []
    whole = PLACEHOLDER.fullmatch(recorded)
    if whole:  # the recorder replaced a whole value (scalar or not)
        if whole.group(2) is None:
            return []
        problem = bindings.bind(f"{whole.group(1)}:{whole.group(2)}", actual)
        return [f"{path}: {problem}"] if problem else []
    if not isinstance(actual, str):
        return [f"{path}: {recorded!r} on AWS, here {actual!r}"]
    if not PLACEHOLDER.search(recorded):
        return [] if recorded == actual else [f"{path}: {recorded!r} on AWS, here {actual!r}"]
    pattern, keys, last = "", [], 0
    for match in PLACEHOLDER.finditer(recorded):
        pattern += re.escape(recorded[last : match.start()]) + "(.+?)"
        keys.append(match)
        last = match.end()
    pattern += re.escape(recorded[last:])
    found = re.fullmatch(pattern, actual, re.DOTALL)
    if not found:
        return [f"{path}: {recorded!r} on AWS, here {actual!r}"]
    problems = []
    for match, value in zip(keys, found.groups(), strict=True):
        if match.group(2) is not None:
            problem = bindings.bind(f"{match.group(1)}:{match.group(2)}", value)
            if problem:
                problems.append(f"{path}: {problem}")
    return problems


def compare(
    recorded: Any, actual: Any, path: str = "$", bindings: Bindings | None = None
) -> list[str]:
    """The differences between a recorded response and a local one (empty when they match)."""
    bindings = bindings if bindings is not None else Bindings()
    actual = _normal(actual)
    if isinstance(recorded, str):
        return _string(recorded, actual, path, bindings)
    if isinstance(recorded, dict):
        if not isinstance(actual, dict):
            return [f"{path}: an object on AWS, here {type(actual).__name__} {actual!r:.80}"]
        problems: list[str] = []
        for key in sorted(set(recorded) | set(actual), key=str):
            sub = f"{path}.{key}"
            if key == "ResponseMetadata" and key in recorded and key in actual:
                want = recorded[key].get("HTTPStatusCode")
                got = actual[key].get("HTTPStatusCode")
                if want is not None and want != got:
                    problems.append(f"{sub}.HTTPStatusCode: {want} on AWS, here {got}")
            elif key not in actual:
                problems.append(f"{sub}: missing here (AWS: {recorded[key]!r:.80})")
            elif key not in recorded:
                problems.append(f"{sub}: not on AWS (here: {actual[key]!r:.80})")
            else:
                problems += compare(recorded[key], actual[key], sub, bindings)
        return problems
    if isinstance(recorded, list):
        if not isinstance(actual, list):
            return [f"{path}: a list on AWS, here {type(actual).__name__} {actual!r:.80}"]
        if len(recorded) != len(actual):
            return [f"{path}: {len(recorded)} items on AWS, here {len(actual)}"]
        problems = []
        for index, (want, got) in enumerate(zip(recorded, actual, strict=True)):
            problems += compare(want, got, f"{path}[{index}]", bindings)
        return problems
    if type(recorded) is not type(actual) and not (
        isinstance(recorded, int | float)
        and isinstance(actual, int | float)
        and not isinstance(recorded, bool)
        and not isinstance(actual, bool)
        and recorded == actual
    ):
        return [f"{path}: {recorded!r} ({type(recorded).__name__}) on AWS, here {actual!r:.80}"]
    return [] if recorded == actual else [f"{path}: {recorded!r} on AWS, here {actual!r:.80}"]
