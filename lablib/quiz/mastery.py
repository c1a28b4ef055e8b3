"""Mastery over time, per exam domain and per concept, as a chart for the notebook.

Mastery of a group of questions (an exam domain, a concept) on a day is the share of the
bank's questions in that group whose latest answer up to the end of that day (UTC) was
right. The study site's progress page (site/javascripts/lablib-study.js) computes the same
from the browser's history; this module reads the terminal's SQLite history
(:class:`~lablib.quiz.progress.ProgressStore`). :func:`progress_chart` draws it with
matplotlib, or returns a text table when matplotlib is missing or ``text=True``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .bank import Bank, load_bank
from .progress import Answer, ProgressStore
from .schema import DOMAINS, EXAMS


@dataclass(frozen=True)
class Series:
    """Mastery (0-1) per day for each group, in group order."""

    days: list[date]
    values: dict[str, list[float]]
    labels: dict[str, str]

    def latest(self) -> dict[str, float]:
        return {g: (v[-1] if v else 0.0) for g, v in self.values.items()}


def groups_for(
    bank: Bank, by: str = "domain", *, exam: str = "DVA-C02", lab: str | None = None
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Question ids per group and a label per group. ``by``: ``domain`` (the domains of
    ``exam``) or ``concept`` (the concepts of ``lab``, or of every lab)."""
    if by == "domain":
        if exam not in EXAMS:
            raise ValueError(f"unknown exam {exam!r}; use one of {', '.join(EXAMS)}")
        groups = {d: [q.id for q in bank.questions if d in q.domains] for d in EXAMS[exam]}
        return groups, {d: DOMAINS[d].title for d in groups}
    if by == "concept":
        questions = bank.select(lab=lab)
        groups = {}
        for q in questions:
            for c in q.concepts:
                groups.setdefault(c, []).append(q.id)
        return dict(sorted(groups.items())), {c: c for c in groups}
    raise ValueError(f"by must be 'domain' or 'concept', not {by!r}")


def mastery_series(
    answers: Iterable[Answer], groups: dict[str, list[str]], labels: dict[str, str] | None = None
) -> Series:
    """Mastery of every group at the end of each day that has answers."""
    ordered = sorted(answers, key=lambda a: a.at)
    days = sorted({a.at.date() for a in ordered})
    latest: dict[str, bool] = {}
    values: dict[str, list[float]] = {g: [] for g in groups}
    i = 0
    for day in days:
        while i < len(ordered) and ordered[i].at.date() <= day:
            latest[ordered[i].question_id] = ordered[i].correct
            i += 1
        for g, ids in groups.items():
            right = sum(latest.get(qid) is True for qid in ids)
            values[g].append(right / len(ids) if ids else 0.0)
    return Series(days, values, labels or {g: g for g in groups})


class TextChart:
    """The text fallback: latest mastery as bars, plus the number of days recorded."""

    def __init__(self, series: Series, title: str) -> None:
        self.series = series
        self.title = title

    def __str__(self) -> str:
        s = self.series
        if not s.days:
            return f"{self.title}\nNo answers recorded yet: take a quiz or an exam first."
        span = f"{s.days[0]} to {s.days[-1]}" if len(s.days) > 1 else f"{s.days[0]}"
        lines = [f"{self.title} ({span}, {len(s.days)} day(s) with answers)"]
        width = max(len(s.labels[g]) for g in s.values)
        for g, value in s.latest().items():
            bar = "#" * round(value * 20)
            trend = " ".join(f"{v * 100:.0f}" for v in s.values[g][-6:])
            lines.append(f"  {s.labels[g]:<{width}} {bar:<20} {value * 100:5.1f} %  ({trend})")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return f"```text\n{self}\n```"


def progress_chart(
    by: str = "domain",
    *,
    exam: str = "DVA-C02",
    lab: str | None = None,
    home: Path | str | None = None,
    bank: Bank | None = None,
    text: bool = False,
) -> Any:
    """Mastery over time from the local history (``$LABLIB_HOME``): a matplotlib Figure
    (one line per domain or concept), or a :class:`TextChart` when ``text`` is true or
    matplotlib is not installed."""
    bank = bank or load_bank()
    groups, labels = groups_for(bank, by, exam=exam, lab=lab)
    with ProgressStore(home) as store:
        answers = store.answers()
    series = mastery_series(answers, groups, labels)
    what = f"{exam} domain" if by == "domain" else f"concept ({lab or 'all labs'})"
    title = f"Mastery by {what}"
    if text:
        return TextChart(series, title)
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return TextChart(series, title)
    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.add_subplot()
    xs = list(range(len(series.days)))
    for g, values in series.values.items():
        ax.plot(xs, [v * 100 for v in values], marker="o", label=labels[g])
    step = max(1, len(xs) // 8)
    ax.set_xticks(xs[::step], [d.isoformat() for d in series.days[::step]])
    ax.set_ylim(0, 100)
    ax.set_ylabel("mastery (% of the bank's questions, latest answer right)")
    ax.set_title(title if series.days else f"{title}: no answers recorded yet")
    ax.axhline(72, color="grey", linewidth=0.8, linestyle="--")
    if series.values:
        ax.legend(fontsize="small", loc="upper left", ncols=2 if len(series.values) > 8 else 1)
    ax.set_xlabel("day (UTC)")
    fig.autofmt_xdate()
    return fig
