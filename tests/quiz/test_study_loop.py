"""The study loop in the terminal and the notebook: links from a question to its notes and
notebook step, mastery over time (chart and text), and a wall clock moved back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from matplotlib.figure import Figure

from lablib.quiz import progress_chart
from lablib.quiz.bank import load_bank
from lablib.quiz.links import notebook_steps, study_links
from lablib.quiz.mastery import TextChart, groups_for, mastery_series
from lablib.quiz.progress import Answer, ProgressStore


def _notebook(path: Path, cells: list[str]) -> None:
    nb = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": c} for c in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))


def test_links_lead_to_the_notes_and_the_notebook_step(bank_dir: Path, tmp_path: Path) -> None:
    labs = tmp_path / "labs"
    labs.mkdir()
    _notebook(
        labs / "01-lambda-invocation.ipynb",
        [
            "# Lab 01",
            "## Step 1: Basics\n<!-- concept: lambda.function-model -->\n\nwhy",
            "## Step 2: Calling it\n<!-- concept: lambda.invocation-types -->\ntext",
        ],
    )
    _notebook(
        labs / "02-event-sources.ipynb", ["## Step 4: Metrics\n<!--concept: lambda.metrics-->"]
    )
    (labs / "02-event-sources.ipynb.bak").write_text("not a notebook")
    (labs / "03-broken.ipynb").write_text("{ not json")  # unreadable: skipped, no crash
    steps = notebook_steps(labs)
    assert [s.title for s in steps["lambda.invocation-types"]] == ["Step 2: Calling it"]
    bank = load_bank(bank_dir)
    async_q = bank.get("li-fix-async-status")
    assert async_q is not None
    links = study_links(async_q, steps)
    assert links.describe() == (
        "See it run: labs/01-lambda-invocation.ipynb, Step 2: Calling it "
        "(notes: site/labs/lambda-invocation/notes.md#invocation-types)"
    )
    metrics_q = bank.get("li-fix-metrics-two")  # concepts: lambda.metrics, lambda.concurrency
    assert metrics_q is not None
    assert study_links(metrics_q, steps).step.notebook == "02-event-sources.ipynb"  # type: ignore[union-attr]
    assert (
        study_links(metrics_q, {})
        .describe()
        .startswith("Read about it: site/labs/lambda-invocation/notes.md")
    )
    assert notebook_steps(tmp_path / "missing") == {}


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_mastery_over_time_hand_computed() -> None:
    groups = {"g1": ["a", "b", "c", "d"], "g2": ["e", "f"], "empty": []}
    answers = [
        Answer("a", True, at(1)),
        Answer("e", False, at(1)),
        Answer("b", True, at(1, 23)),
        Answer("a", False, at(3)),  # a is now wrong: its latest answer counts
        Answer("e", True, at(3)),
        Answer("c", True, at(2)),  # out of order in the log: sorted by time
    ]
    s = mastery_series(answers, groups)
    assert [d.day for d in s.days] == [1, 2, 3]
    assert s.values["g1"] == [0.5, 0.75, 0.5]  # {a,b}, {a,b,c}, {b,c} of 4
    assert s.values["g2"] == [0.0, 0.0, 0.5]
    assert s.values["empty"] == [0.0, 0.0, 0.0]
    assert s.latest() == {"g1": 0.5, "g2": 0.5, "empty": 0.0}


def test_progress_chart_from_the_terminal_history(bank_dir: Path, home: Path) -> None:
    bank = load_bank(bank_dir)
    empty = progress_chart(bank=bank, text=True)
    assert isinstance(empty, TextChart)
    assert "No answers recorded yet" in str(empty)
    clock = [at(1)]
    with ProgressStore(now=lambda: clock[0]) as store:
        store.record_answer(1, "li-fix-async-status", "b", True)  # dev + saa.resilient
        store.record_answer(1, "li-fix-metrics-two", ("a",), False)  # troubleshooting
        clock[0] = at(2)
        store.record_answer(2, "li-fix-metrics-two", ("a", "b"), True)
    groups, _ = groups_for(bank, "domain")
    assert len(groups["dva.development"]) == 2 and len(groups["dva.troubleshooting"]) == 3
    chart = str(progress_chart(bank=bank, text=True))
    assert "Mastery by DVA-C02 domain (2026-03-01 to 2026-03-02, 2 day(s)" in chart
    assert "Development with AWS Services" in chart and " 50.0 %  (50 50)" in chart
    assert " 33.3 %  (0 33)" in chart  # troubleshooting: 0 of 3, then 1 of 3
    concepts = str(progress_chart("concept", lab="lambda-invocation", bank=bank, text=True))
    assert "lambda.invocation-types" in concepts and "100.0 %" in concepts
    fig = progress_chart("concept", bank=bank)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == len(groups_for(bank, "concept")[0]) + 1  # + the 72 % line
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026-03-01", "2026-03-02"]


def test_clock_moved_back_keeps_history_and_shows_it_due(bank_dir: Path, cli, clock) -> None:
    answers = {"li-fix-async-status": "a"}  # wrong: scheduled
    res = cli(
        "quiz",
        "--bank",
        str(bank_dir),
        "--lab",
        "lambda-invocation",
        "-n",
        "5",
        "--answers",
        "-",
        stdin=json.dumps(answers),
    )
    assert res.code == 0
    clock.wall -= timedelta(days=2)  # the wall clock is moved back two days
    due = cli("quiz", "due", "--bank", str(bank_dir))
    assert due.code == 0
    assert "Note: the clock is earlier than your last answer to 5 question(s)" in due.out
    assert "li-fix-async-status" in due.out
    retest = cli(
        "quiz",
        "--bank",
        str(bank_dir),
        "--due",
        "--answers",
        "-",
        "--json",
        stdin=json.dumps({"li-fix-async-status": "b"}),
    )
    assert retest.code == 0 and json.loads(retest.out)["correct"] >= 1
    clock.wall += timedelta(days=2, minutes=20)
    with ProgressStore() as store:
        assert len(store.answers()) == 10  # nothing lost
        card_due = {d.question_id: d for d in store.scheduled()}
        # answered right "before" the earlier miss: scheduled from the later time, forward
        assert card_due["li-fix-async-status"].due > clock.wall - timedelta(minutes=20)
