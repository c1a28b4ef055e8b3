"""The class report as CSV (one row per learner, for an LMS grade import), HTML and text."""

from __future__ import annotations

import csv
import html
import io

from .report import ClassReport, LearnerReport


def _pct(value: float) -> str:
    return f"{value * 100:.0f}"


def _passed(learner: LearnerReport) -> list[str]:
    return sorted(e for e, ok in learner.exercises.items() if ok)


def header(report: ClassReport) -> list[str]:
    domains = [f"{title} %" for title in report.domain_titles.values()]
    return [
        "learner",
        "tried",
        "right_first_time",
        *domains,
        "exercises_passed",
        "exercises",
        "weakest_concepts",
        "error",
    ]


def rows(report: ClassReport) -> list[list[str]]:
    out = []
    for learner in report.learners:
        passed = _passed(learner)
        domains = [_pct(learner.domains.get(d, 0.0)) for d in report.domain_titles]
        out.append(
            [
                learner.name,
                str(learner.tried),
                str(learner.right_first),
                *domains,
                str(len(passed)),
                ";".join(passed),
                ";".join(learner.weakest()),
                learner.error or "",
            ]
        )
    return out


def to_csv(report: ClassReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header(report))
    writer.writerows(rows(report))
    return buffer.getvalue()


def to_text(report: ClassReport) -> str:
    table = [header(report)[:-3], *(r[:-3] for r in rows(report))]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in table]
    lines.append(f"class weakest concepts: {', '.join(report.weakest()) or 'none yet'}")
    lines += [f"{le.name}: {le.error}" for le in report.learners if le.error]
    return "\n".join(lines)


def to_html(report: ClassReport) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header(report))
    body = "".join(
        "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>\n" for row in rows(report)
    )
    totals = report.class_concepts()
    weak = "".join(
        f"<li>{e(c)}: {totals[c][1]} of {totals[c][0]} answers missed</li>"
        for c in report.weakest()
    )
    names = [le.name for le in report.learners]
    ex_head = "".join(f"<th>{e(n)}</th>" for n in names)
    ex_rows = "".join(
        f"<tr><th>{e(ex)}</th>"
        + "".join(
            f"<td>{'passed' if le.exercises.get(ex) else ('failed' if ex in le.exercises else '')}"
            "</td>"
            for le in report.learners
        )
        + "</tr>\n"
        for ex in report.exercise_ids()
    )
    errors = "".join(f"<li>{e(le.name)}: {e(le.error)}</li>" for le in report.learners if le.error)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<title>lablib class report</title>"
        "<style>table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"
        "</style></head><body>\n<h1>Class report</h1>\n"
        f"<p>{len(report.learners)} learner(s); readiness = % of the DVA-C02 domain's bank "
        "questions whose latest answer is right.</p>\n"
        f"<table id='learners'><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>\n"
        f"<h2>Class weakest concepts</h2>\n<ul id='weakest'>{weak or '<li>none yet</li>'}</ul>\n"
        f"<h2>Exercises</h2>\n<table id='exercises'><thead><tr><th>exercise</th>{ex_head}</tr>"
        f"</thead><tbody>\n{ex_rows}</tbody></table>\n"
        f"<h2>Could not be read</h2>\n<ul id='errors'>{errors or '<li>none</li>'}</ul>\n"
        "</body></html>\n"
    )
