"""An execution's event history as a table with timings (Markdown, HTML, or plain text).

``history(sfn, execution_arn)`` reads every page of GetExecutionHistory and returns a
``History``: the events, one ``Row`` per event (time since start, type, state, detail), one
``Visit`` per state entered (how long it took, whether it failed), the path taken and the
state where the execution failed. In a notebook it renders itself as a table.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

DETAIL_CHARS = 90


@dataclass(frozen=True)
class Row:
    id: int
    at_ms: float  # milliseconds since ExecutionStarted
    type: str
    state: str  # the state this event belongs to ("" for execution events)
    detail: str


@dataclass
class Visit:
    state: str
    kind: str  # Task, Choice, ... (from the event type)
    entered_ms: float
    exited_ms: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def duration_ms(self) -> float | None:
        return None if self.exited_ms is None else self.exited_ms - self.entered_ms


def _short(text: str, limit: int = DETAIL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def _describe(event: dict[str, Any]) -> str:
    details = _details(event)
    if "error" in details:
        cause = str(details.get("cause") or "")
        try:
            parsed = json.loads(cause)
            if isinstance(parsed, dict) and "errorMessage" in parsed:
                cause = str(parsed["errorMessage"])
        except ValueError:
            pass
        return _short(f"{details['error']}: {cause}" if cause else str(details["error"]))
    for key in ("output", "input", "parameters"):
        if key in details:
            return _short(f"{key} {details[key]}")
    if "resource" in details:
        return _short(str(details["resource"]))
    return ""


class History:
    """One execution's events, ready to read: ``rows``, ``visits``, ``path``, ``failed_state``."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = sorted(events, key=lambda e: int(e["id"]))
        start = self.events[0]["timestamp"] if self.events else None
        self.rows: list[Row] = []
        self.visits: list[Visit] = []
        self.status = "RUNNING"
        self.error: str | None = None
        open_visits: list[Visit] = []
        for event in self.events:
            at_ms = (event["timestamp"] - start).total_seconds() * 1000 if start else 0.0
            kind: str = event["type"]
            details = _details(event)
            state = ""
            if kind.endswith("StateEntered"):
                visit = Visit(details.get("name", ""), kind[: -len("StateEntered")], at_ms)
                self.visits.append(visit)
                open_visits.append(visit)
                state = visit.state
            elif kind.endswith("StateExited"):
                name = details.get("name", "")
                for visit in reversed(open_visits):
                    if visit.state == name:
                        visit.exited_ms = at_ms
                        open_visits.remove(visit)
                        break
                state = name
            elif open_visits:
                state = open_visits[-1].state
                if kind.endswith(("Failed", "TimedOut")) and "error" in details:
                    if not kind.startswith("Execution"):
                        open_visits[-1].errors.append(str(details["error"]))
            if kind in (
                "ExecutionSucceeded",
                "ExecutionFailed",
                "ExecutionAborted",
                "ExecutionTimedOut",
            ):
                self.status = {
                    "ExecutionSucceeded": "SUCCEEDED",
                    "ExecutionFailed": "FAILED",
                    "ExecutionAborted": "ABORTED",
                    "ExecutionTimedOut": "TIMED_OUT",
                }[kind]
                self.error = details.get("error")
                state = ""
            self.rows.append(Row(int(event["id"]), at_ms, kind, state, _describe(event)))
        self._open = open_visits

    @property
    def path(self) -> list[str]:
        """State names in the order they were entered (Parallel/Map branches interleave)."""
        return [visit.state for visit in self.visits]

    @property
    def failed_state(self) -> str | None:
        """The state the execution failed in (entered, never exited), if it failed."""
        if self.status not in ("FAILED", "TIMED_OUT", "ABORTED"):
            return None
        if self._open:
            return self._open[-1].state
        return self.visits[-1].state if self.visits else None

    @property
    def error_states(self) -> set[str]:
        """States where an error happened, caught or retried or not."""
        return {visit.state for visit in self.visits if visit.errors}

    @property
    def duration_ms(self) -> float:
        return self.rows[-1].at_ms if self.rows else 0.0

    # -- views ----------------------------------------------------------------------------
    def _cells(self) -> list[tuple[str, str, str, str, str]]:
        return [
            (str(row.id), f"{row.at_ms:.0f}", row.type, row.state, row.detail) for row in self.rows
        ]

    HEADERS = ("#", "ms", "event", "state", "detail")

    def to_markdown(self) -> str:
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = [
            "| " + " | ".join(self.HEADERS) + " |",
            "|---:|---:|---|---|---|",
        ]
        lines += ["| " + " | ".join(cell(c) for c in cells) + " |" for cells in self._cells()]
        return "\n".join(lines)

    def to_html(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in self.HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
            for cells in self._cells()
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def to_text(self) -> str:
        cells = [self.HEADERS, *self._cells()]
        widths = [max(len(row[i]) for row in cells) for i in range(4)]
        return "\n".join(
            "  ".join(value.ljust(widths[i]) for i, value in enumerate(row[:4])) + "  " + row[4]
            for row in cells
        )

    def timings(self) -> str:
        """A Markdown table: one line per state visit with its duration."""
        lines = ["| state | type | entered (ms) | took (ms) | errors |", "|---|---|---:|---:|---|"]
        for visit in self.visits:
            took = "—" if visit.duration_ms is None else f"{visit.duration_ms:.0f}"
            errors = ", ".join(visit.errors) or ""
            lines.append(
                f"| {visit.state} | {visit.kind} | {visit.entered_ms:.0f} | {took} | {errors} |"
            )
        return "\n".join(lines)

    def data_flow(self) -> str:
        """A Markdown table of the data at each stage of each state: what the state received,
        what its task was sent, what the task returned, and what the state passed on."""
        stages = {
            "StateEntered": ("input", "state input"),
            "TaskScheduled": ("parameters", "task sent (Parameters)"),
            "LambdaFunctionScheduled": ("input", "function sent (Parameters)"),
            "TaskSucceeded": ("output", "task result"),
            "LambdaFunctionSucceeded": ("output", "function result"),
            "StateExited": ("output", "state output"),
        }
        lines = ["| state | stage | data |", "|---|---|---|"]
        for event, row in zip(self.events, self.rows, strict=True):
            for suffix, (key, label) in stages.items():
                if row.type.endswith(suffix) and not row.type.startswith("Execution"):
                    value = str(_details(event).get(key, ""))
                    shown = _short(value, 160).replace("|", "\\|")
                    lines.append(f"| {row.state} | {label} | `{shown}` |")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"<History {self.status} {len(self.rows)} events, path={' -> '.join(self.path)}>"


def history(sfn: Any, execution_arn: str) -> History:
    """Every event of one Standard execution (all pages) as a ``History``."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events += page["events"]
        if not page.get("nextToken"):
            return History(events)
        kwargs["nextToken"] = page["nextToken"]
