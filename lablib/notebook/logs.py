"""Read a function's CloudWatch Logs and show them: START/END/REPORT highlighted, cold starts
marked. ``logs(name)`` shows every invocation, ``logs(name, request_id)`` one of them and
``tail(response)`` decodes the ``LogResult`` of an ``invoke(..., LogType="Tail")`` call.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._aws import client

_REPORT = re.compile(r"^REPORT RequestId: (?P<id>\S+)")
_FIELDS = {
    "duration_ms": re.compile(r"\tDuration: ([\d.]+) ms"),
    "billed_ms": re.compile(r"Billed Duration: (\d+) ms"),
    "memory_mb": re.compile(r"Memory Size: (\d+) MB"),
    "max_memory_mb": re.compile(r"Max Memory Used: (\d+) MB"),
    "init_ms": re.compile(r"Init Duration: ([\d.]+) ms"),
}
_START = re.compile(r"^START RequestId: (?P<id>\S+) Version: (?P<version>\S+)")


@dataclass
class Invocation:
    """One invocation as its log lines tell it (from START to REPORT, plus INIT if cold)."""

    request_id: str
    stream: str
    version: str = "$LATEST"
    started_ms: int = 0
    lines: list[str] = field(default_factory=list)
    duration_ms: float | None = None
    billed_ms: int | None = None
    memory_mb: int | None = None
    max_memory_mb: int | None = None
    init_ms: float | None = None
    timed_out: bool = False

    @property
    def cold(self) -> bool:
        return self.init_ms is not None or any(x.startswith("INIT_START") for x in self.lines)

    @property
    def finished(self) -> bool:
        return self.duration_ms is not None


def parse_report(line: str) -> dict[str, float | int]:
    """The numbers of a REPORT line (duration_ms, billed_ms, memory_mb, max_memory_mb, init_ms)."""
    out: dict[str, float | int] = {}
    for key, pattern in _FIELDS.items():
        match = pattern.search(line)
        if match:
            out[key] = float(match.group(1)) if "." in match.group(1) else int(match.group(1))
    return out


def fetch_events(function: str, start_ms: int | None = None) -> list[dict[str, Any]]:
    """All log events of ``/aws/lambda/<function>`` (paginated filter_log_events)."""
    logs = client("logs")
    kwargs: dict[str, Any] = {"logGroupName": f"/aws/lambda/{function}"}
    if start_ms is not None:
        kwargs["startTime"] = start_ms
    events: list[dict[str, Any]] = []
    try:
        for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
            events.extend(page["events"])
    except logs.exceptions.ResourceNotFoundException:
        return []
    return events


def invocations(function: str, events: Iterable[dict[str, Any]] | None = None) -> list[Invocation]:
    """Group a function's log events into invocations, oldest first."""
    by_stream: dict[str, list[dict[str, Any]]] = {}
    for event in fetch_events(function) if events is None else events:
        by_stream.setdefault(event.get("logStreamName", ""), []).append(event)
    found: list[Invocation] = []
    for stream, stream_events in by_stream.items():
        pending: list[str] = []
        current: Invocation | None = None
        for event in stream_events:
            message = event["message"].rstrip("\n")
            start = _START.match(message)
            if start:
                current = Invocation(start["id"], stream, start["version"], event["timestamp"])
                current.lines = pending + [message]
                pending = []
                found.append(current)
            elif current is None:
                pending.append(message)  # INIT_START and init-phase output
            else:
                current.lines.append(message)
                if "Task timed out after" in message:
                    current.timed_out = True
                if _REPORT.match(message):
                    for key, value in parse_report(message).items():
                        setattr(current, key, value)
                    current = None
    return sorted(found, key=lambda inv: inv.started_ms)


class LogView:
    """Log lines with START/END/REPORT highlighted and cold starts marked."""

    def __init__(self, title: str, blocks: list[Invocation]) -> None:
        self.title = title
        self.blocks = blocks

    @property
    def lines(self) -> list[str]:
        return [line for block in self.blocks for line in block.lines]

    def __repr__(self) -> str:
        out = [self.title]
        for block in self.blocks:
            mark = "COLD START" if block.cold else "warm"
            out.append(f"--- {block.request_id} [{mark}] ---")
            out.extend(f"  {line.replace(chr(9), '  ')}" for line in block.lines)
        if not self.blocks:
            out.append("(no log lines yet)")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        parts = [f"<div><b>{html.escape(self.title)}</b></div>"]
        for block in self.blocks:
            badge = (
                '<span style="background:#1f77b4;color:white;padding:0 6px;border-radius:3px">'
                "&#10052; cold start</span>"
                if block.cold
                else '<span style="background:#ddd;padding:0 6px;border-radius:3px">warm</span>'
            )
            rows = "".join(_html_line(line) for line in block.lines)
            parts.append(
                f'<div style="margin:4px 0">{badge} <code>{html.escape(block.request_id)}</code>'
                f'<pre style="margin:2px 0;padding:4px;background:#f7f7f7;font-size:90%;'
                f'white-space:pre-wrap">{rows}</pre></div>'
            )
        if not self.blocks:
            parts.append("<i>(no log lines yet)</i>")
        return "".join(parts)


def _html_line(line: str) -> str:
    text = html.escape(line.replace("\t", "  "))
    styles = {
        "INIT_START": "color:#b35900;font-weight:bold",
        "START": "color:#2a7d2a;font-weight:bold",
        "END": "color:#777",
        "REPORT": "color:#1f4e9c;font-weight:bold",
    }
    for prefix, style in styles.items():
        if line.startswith(prefix + " "):
            return f'<span style="{style}">{text}</span>\n'
    if "Task timed out" in line or line.startswith("[ERROR]") or "Traceback" in line:
        return f'<span style="color:#c00">{text}</span>\n'
    return text + "\n"


def logs(function: str, request_id: str | None = None, *, last: int | None = None) -> LogView:
    """The log of ``function`` grouped by invocation (one invocation, or the ``last`` N)."""
    found = invocations(function)
    if request_id is not None:
        found = [inv for inv in found if inv.request_id == request_id]
        title = f"/aws/lambda/{function} - request {request_id}"
    else:
        title = f"/aws/lambda/{function} - {len(found)} invocation(s)"
    if last is not None:
        found = found[-last:]
    return LogView(title, found)


def request_id(response: dict[str, Any]) -> str:
    """The request id of a boto3 ``invoke`` response."""
    rid: str = response["ResponseMetadata"]["RequestId"]
    return rid


def tail(response: dict[str, Any]) -> LogView:
    """Show the ``LogResult`` (last 4 KB of this invocation's log) of a LogType=Tail invoke."""
    if "LogResult" not in response:
        raise ValueError("this response has no LogResult: call invoke(..., LogType='Tail')")
    text = base64.b64decode(response["LogResult"]).decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if line]
    block = Invocation(request_id(response), "(LogResult)", lines=lines)
    for line in lines:
        if _REPORT.match(line):
            for key, value in parse_report(line).items():
                setattr(block, key, value)
    return LogView("LogResult (last 4 KB of this invocation's log)", [block])
