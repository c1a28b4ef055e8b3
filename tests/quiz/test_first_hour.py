"""What a new learner met in the terminal: attempt numbers, wrapping, lab numbers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lablib.quiz.bank import load_bank
from lablib.quiz.terminal import explain, render_question


def test_first_exam_is_attempt_1_after_a_quiz(bank_dir: Path, exam_bank_dir: Path, cli) -> None:
    quiz = cli("quiz", "--bank", str(bank_dir), stdin="quit\n")
    assert quiz.code == 0
    exam = cli("exam", "--bank", str(exam_bank_dir), "--seed", "3", stdin="")
    assert "Exam DVA-C02, attempt 1:" in exam.out, exam.out[:300]


def test_long_lines_wrap_between_words(bank_dir: Path) -> None:
    q = load_bank(bank_dir).questions[0]
    long = " ".join(
        ["arn:aws:lambda:us-east-1:123456789012:function:orders-processor-production:live"] * 3
        + ["the function's resource-based policy lets apigateway.amazonaws.com invoke it"] * 3
    )
    options = {key: long for key in q.options}
    q = dataclasses.replace(
        q, explanation=long, explanations={k: long for k in q.explanations}, options=options
    )
    order = tuple(q.options)
    text = "\n".join(
        [render_question(q, order, "Q1"), *explain(q, order, order[0] if order else None)]
    )
    words = set(long.split())
    for line in text.splitlines():
        assert len(line) <= 88 or len(line.split()) <= 2, line
        for word in line.split():
            if word.startswith("arn:") or word.startswith("apigateway"):
                assert word in words, f"cut in the middle: {word!r}"
