"""The real bank passes ``lablib quiz check``: schema and form thresholds (this is how the
form check runs in ``make test``)."""

from __future__ import annotations

import io

from lablib.quiz.bank import load_bank
from lablib.quiz.commands import IO, run
from lablib.quiz.form import (
    MAX_DOMAIN_GAP,
    MAX_GUESSER_PASS,
    MAX_KEYED_LONGEST,
    MIN_MEDIAN_STEM_WORDS,
    MIN_SCENARIO_SHARE,
    form_report,
)


def test_lablib_quiz_check_passes_on_the_real_bank() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run(["quiz", "check"], io=IO(stdout=out, stderr=err))
    assert code == 0, out.getvalue() + err.getvalue()
    assert "OK: schema and form thresholds pass." in out.getvalue()


def test_real_bank_form_targets() -> None:
    report = form_report(load_bank().questions, exams=200)
    o = report.overall
    assert o.keyed_longest_rate <= MAX_KEYED_LONGEST
    assert all(g.pass_rate <= MAX_GUESSER_PASS for g in report.guessers)
    assert all(abs(gap) <= MAX_DOMAIN_GAP for gap in o.domain_gaps().values()), o.dva_shares()
    assert o.scenario_share >= MIN_SCENARIO_SHARE
    assert o.median_stem_words >= MIN_MEDIAN_STEM_WORDS
    assert o.keyed_shortest_rate <= MAX_KEYED_LONGEST
    assert len(load_bank().questions) >= 600
