"""The REAL question bank in quizzes/: valid, self-consistent and covering the syllabus.

Both ways: the answer key scores 100 %, and a wrong answer to each question scores wrong.
The coverage test (at least two questions per concept of quizzes/concepts.yaml) and the exam
weight test fail while the bank is still being written; that is intended.
"""

from __future__ import annotations

from collections import Counter

import pytest

from lablib.quiz.bank import Bank, check_bank
from lablib.quiz.concepts import default_bank_dir, load_syllabus
from lablib.quiz.exam import draw_exam
from lablib.quiz.schema import DOMAINS, EXAMS, Numeric, Question
from lablib.quiz.scoring import Response, format_answer, is_correct, parse_response


@pytest.fixture(scope="module")
def bank() -> Bank:
    loaded, issues = check_bank(default_bank_dir())
    assert not issues, "lablib quiz check fails:\n" + "\n".join(map(str, issues))
    assert loaded.questions, "the bank is empty"
    return loaded


def key_response(q: Question) -> Response:
    if isinstance(q.answer, Numeric):
        return q.answer.value
    return q.answer[0] if q.type == "text" else q.answer


def typed_key(q: Question) -> str:
    """The answer key as a learner would type it (bank keys as labels)."""
    a = q.answer
    if isinstance(a, Numeric):
        return f"{a.value:g}"
    return a if isinstance(a, str) else ", ".join(a) if q.type != "text" else a[0]


def wrong_responses(q: Question) -> list[Response]:
    a = q.answer
    if isinstance(a, Numeric):
        step = a.tolerance + max(1.0, abs(a.value) * 0.01)
        return [a.value + step, a.value - step]
    if q.type == "single":
        return [k for k in q.options if k != a]
    if q.type == "multiple":
        assert isinstance(a, tuple)
        extra = next(k for k in q.options if k not in a)
        return [a[:-1], tuple(sorted((*a, extra))), (extra,)]
    if q.type == "ordering":
        assert isinstance(a, tuple)
        return [a[1:] + a[:1], tuple(reversed(a))]
    assert isinstance(a, tuple)
    return [f"not {a[0]}", ""]


def test_bank_is_valid(bank: Bank) -> None:
    assert len({q.id for q in bank.questions}) == len(bank.questions)


def test_answer_key_scores_100_percent(bank: Bank) -> None:
    failures = [q.id for q in bank.questions if not is_correct(q, key_response(q))]
    typed = [q.id for q in bank.questions if not is_correct(q, parse_response(q, typed_key(q)))]
    spellings = [
        f"{q.id}: {s!r}"
        for q in bank.questions
        if q.type == "text"
        for s in q.answer
        if not is_correct(q, f"  {str(s).upper()} ")
    ]
    assert failures == [] and typed == [] and spellings == []


def test_a_wrong_answer_to_each_question_scores_wrong(bank: Bank) -> None:
    scored_right = [
        f"{q.id}: {r!r}"
        for q in bank.questions
        for r in wrong_responses(q)
        if r != key_response(q) and is_correct(q, r)
    ]
    assert scored_right == []
    assert all(not is_correct(q, None) for q in bank.questions)


def test_every_option_has_an_explanation(bank: Bank) -> None:
    missing = [
        q.id
        for q in bank.questions
        if (q.options and set(q.explanations) != set(q.options))
        or (not q.options and not q.explanation)
        or any(not text.strip() for text in q.explanations.values())
    ]
    assert missing == []
    assert all(format_answer(q) for q in bank.questions)


def test_lab_links_point_at_known_labs(bank: Bank) -> None:
    bad = [
        q.id
        for q in bank.questions
        if q.lab_ref and q.lab_ref.split("#")[0] not in bank.syllabus.labs
    ]
    assert bad == []


def test_every_concept_has_at_least_two_questions(bank: Bank) -> None:
    syllabus = load_syllabus()
    counts = Counter(c for q in bank.questions for c in q.concepts)
    thin = {c: counts.get(c, 0) for c in syllabus.concepts if counts.get(c, 0) < 2}
    assert thin == {}, f"{len(thin)} concept(s) with fewer than 2 questions: {thin}"


@pytest.mark.parametrize("exam", list(EXAMS))
def test_generated_exam_matches_the_guide_within_one_question(bank: Bank, exam: str) -> None:
    items, warnings = draw_exam(bank.questions, exam, seed=2026)
    assert warnings == []
    scored = Counter(i.domain for i in items if i.scored)
    off = {d: scored[d] for d in EXAMS[exam] if abs(scored[d] - 50 * DOMAINS[d].weight) > 1}
    assert off == {}
