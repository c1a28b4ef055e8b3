"""The terminal exam and the browser exam follow one set of rules.

The hand-computed cases in fixtures/exam_cases.json are scored here by lablib.quiz.scoring;
tests/site/test_site_modes.py feeds the very same file to the browser's LablibExam.score.
The format numbers the browser reads (bank.json "meta", from lablib/site/catalog.py) must be
the ones the terminal exam uses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lablib.quiz import exam as quiz_exam
from lablib.quiz import scoring
from lablib.quiz.schema import DOMAINS, EXAMS, Question
from lablib.site import catalog

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "fixtures" / "exam_cases.json").read_text(encoding="utf-8")
)["cases"]


def expand(case: dict[str, Any]) -> tuple[list[tuple[Question, str, bool]], dict[int, Any]]:
    """A case's blocks as ``score_exam`` input: (question, domain, scored) and responses."""
    items: list[tuple[Question, str, bool]] = []
    responses: dict[int, Any] = {}
    for block in case["blocks"]:
        answer = block["answer"]
        for n in range(block["count"]):
            q = Question(
                id=f"{block['id']}-{n}",
                lab="lambda-invocation",
                concepts=("lambda.function-model",),
                domains=(block["domain"],),
                type=block["type"],
                difficulty=1,
                stem=f"case question {block['id']} {n}",
                answer=tuple(answer) if isinstance(answer, list) else answer,
                options={k: f"option {k}" for k in "abcd"},
            )
            response = block["response"]
            if response is not None:
                responses[len(items)] = tuple(response) if isinstance(response, list) else response
            items.append((q, block["domain"], block["scored"]))
    return items, responses


@pytest.mark.parametrize("case", CASES, ids=[c["name"][:40] for c in CASES])
def test_hand_computed_cases(case: dict[str, Any]) -> None:
    items, responses = expand(case)
    result = scoring.score_exam(items, responses)
    want = case["expected"]
    assert (result.correct, result.scored, result.scaled, result.passed) == (
        want["correct"],
        want["scored"],
        want["scaled"],
        want["passed"],
    )
    got = {d.domain: [d.correct, d.total, d.band] for d in result.domains}
    assert got == want["domains"]
    assert all(DOMAINS[d].exam == case["exam"] for d in got)


def test_half_rounds_up_in_integers() -> None:
    # Python's round() rounds a half to even (562.5 -> 562); the exam rounds half up
    assert scoring.scaled_score(5, 8) == 663
    assert scoring.scaled_score(1, 8) == 213  # 112.5 -> 113
    assert scoring.scaled_score(0, 8) == 100 and scoring.scaled_score(8, 8) == 1000


def test_format_numbers_are_the_same_on_both_sides() -> None:
    meta = catalog.exam_meta()
    assert (
        (meta["items"], meta["unscored"], meta["minutes"])
        == (
            quiz_exam.EXAM_ITEMS,
            quiz_exam.EXAM_UNSCORED,
            quiz_exam.EXAM_MINUTES,
        )
        == (65, 15, 130)
    )
    assert (
        (meta["scaledMin"], meta["scaledMax"], meta["passScore"])
        == (
            scoring.MIN_SCORE,
            scoring.MAX_SCORE,
            scoring.PASS_MARK,
        )
        == (100, 1000, 720)
    )
    for blueprint in meta["exams"]:
        keys = [d["key"] for d in blueprint["domains"]]
        assert keys == EXAMS[blueprint["code"]]
        for d in blueprint["domains"]:
            assert d["weight"] == round(DOMAINS[d["key"]].weight * 100)
            assert d["name"] == DOMAINS[d["key"]].title
