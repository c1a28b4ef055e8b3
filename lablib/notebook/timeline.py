"""An invocation timeline: one bar per invocation (init, run, billed extra), cold vs warm.

Data comes from the REPORT lines in CloudWatch Logs, exactly what a learner would read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .logs import Invocation, invocations
from .render import Chart, Table

COLD, WARM, INIT, BILLED = "#1f77b4", "#8fbc8f", "#ff9f40", "#d3d3d3"


def report_table(items: Sequence[Invocation], title: str = "") -> Table:
    """REPORT numbers per invocation as a table."""
    rows = [
        [
            n + 1,
            "cold" if inv.cold else "warm",
            inv.init_ms,
            inv.duration_ms,
            inv.billed_ms,
            inv.memory_mb,
            inv.max_memory_mb,
            "timed out" if inv.timed_out else "",
        ]
        for n, inv in enumerate(items)
    ]
    columns = ["#", "start", "init ms", "duration ms", "billed ms", "memory MB", "max used MB", ""]
    return Table(columns, rows, title)


def timeline(function: str | Sequence[Invocation], *, last: int | None = None) -> Chart:
    """Chart the invocations of ``function`` (or given invocations), oldest at the top."""
    items = list(invocations(function) if isinstance(function, str) else function)
    items = [inv for inv in items if inv.finished]
    if last is not None:
        items = items[-last:]
    name = function if isinstance(function, str) else "invocations"
    text = repr(report_table(items, f"Invocation timeline of {name}"))

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        if not items:
            ax.text(0.5, 0.5, "no finished invocations yet", ha="center", va="center")
            ax.set_axis_off()
            return
        origin = items[0].started_ms - (items[0].init_ms or 0)
        for row, inv in enumerate(items):
            start = inv.started_ms - origin
            duration = inv.duration_ms or 0.0
            if inv.init_ms:
                ax.barh(row, inv.init_ms, left=start - inv.init_ms, color=INIT, height=0.6)
            ax.barh(row, duration, left=start, color=COLD if inv.cold else WARM, height=0.6)
            extra = (inv.billed_ms or 0) - duration
            if extra > 0:
                ax.barh(row, extra, left=start + duration, color=BILLED, height=0.6)
            label = f"{duration:.0f} ms (billed {inv.billed_ms})"
            ax.text(start + duration + max(extra, 0), row, "  " + label, va="center", fontsize=8)
        ax.set_yticks(range(len(items)), [f"#{n + 1}" for n in range(len(items))])
        ax.invert_yaxis()
        ax.set_xlabel("milliseconds since the first invocation")
        ax.set_title(f"{name}: cold (blue) vs warm (green); init phase orange, billed grey")
        ax.margins(x=0.25)

    return Chart(draw, text, size=(8.0, 0.5 + 0.35 * max(len(items), 2)))
