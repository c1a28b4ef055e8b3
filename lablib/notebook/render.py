"""Rich results that also read well as text.

Every helper returns an object Jupyter renders richly (``_repr_html_`` or ``_repr_png_``)
whose ``repr()`` is a readable plain-text version, so nbval, nbconvert and a terminal
IPython show something useful too.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Sequence
from typing import Any


class Table:
    """A small table: HTML in Jupyter, aligned columns as text."""

    def __init__(
        self, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str = ""
    ) -> None:
        self.columns = list(columns)
        self.rows = [list(row) for row in rows]
        self.title = title

    def __repr__(self) -> str:
        cells = [self.columns] + [[_fmt(v) for v in row] for row in self.rows]
        widths = [max(len(str(row[i])) for row in cells) for i in range(len(self.columns))]
        lines = [self.title] if self.title else []
        for n, row in enumerate(cells):
            lines.append("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(line.rstrip() for line in lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
            for row in self.rows
        )
        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Chart:
    """A matplotlib figure drawn on demand (PNG in Jupyter) with a text summary as repr.

    ``draw(figure)`` fills a fresh ``matplotlib.figure.Figure``; pyplot is never used, so
    charts do not pile up in a global state and work without a display.
    """

    def __init__(
        self,
        draw: Callable[[Any], None],
        text: str,
        size: tuple[float, float] = (8.0, 3.2),
    ) -> None:
        self._draw = draw
        self.text = text
        self.size = size

    def figure(self) -> Any:
        """The drawn ``matplotlib.figure.Figure``."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=self.size, layout="constrained")
        self._draw(fig)
        return fig

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure().savefig(buffer, format="png", dpi=96)
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def __repr__(self) -> str:
        return self.text


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e-3 and value else f"{value:,.2f}"
    if value is None:
        return "-"
    return str(value)
