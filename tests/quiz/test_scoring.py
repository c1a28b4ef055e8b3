"""Scoring rules against hand-computed cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from lablib.quiz.bank import load_bank
from lablib.quiz.scoring import (
    MEETS,
    NEEDS_WORK,
    band,
    format_answer,
    is_correct,
    parse_response,
    scaled_score,
    score_exam,
)


@pytest.fixture
def qs(bank_dir: Path):
    bank = load_bank(bank_dir)
    return {q.type: q for q in bank.questions}


def test_single(qs) -> None:
    q = qs["single"]
    assert is_correct(q, "b")
    assert not is_correct(q, "a")
    assert not is_correct(q, None)


def test_multiple_is_all_or_nothing(qs) -> None:
    q = qs["multiple"]  # answer a, b
    assert is_correct(q, ("a", "b"))
    assert is_correct(q, ("b", "a"))
    assert not is_correct(q, ("a",))  # one of two right: no partial credit
    assert not is_correct(q, ("a", "b", "c"))  # an extra choice spoils it
    assert not is_correct(q, "a")


def test_numeric_tolerance(qs, bank_dir: Path) -> None:
    q = qs["numeric"]  # 900, tolerance 0
    assert is_correct(q, 900.0)
    assert not is_correct(q, 899.0)
    assert parse_response(q, "900 seconds") == 900.0
    assert parse_response(q, "1,000") == 1000.0
    with pytest.raises(ValueError, match="answer with a number"):
        parse_response(q, "fifteen minutes")
    loose = type(q)(**{**q.__dict__, "answer": type(q.answer)(1.0, 0.25, "")})
    assert is_correct(loose, 1.25) and is_correct(loose, 0.75)
    assert not is_correct(loose, 1.26)


def test_text_is_case_and_space_insensitive(qs) -> None:
    q = qs["text"]  # /aws/lambda/orders
    assert is_correct(q, "  /AWS/Lambda/Orders ")
    assert not is_correct(q, "/aws/lambda/order")
    assert is_correct(
        type(q)(**{**q.__dict__, "answer": ("Report Batch  Item",)}), "report batch item"
    )


def test_ordering(qs) -> None:
    q = qs["ordering"]  # c, b, a
    assert is_correct(q, ("c", "b", "a"))
    assert not is_correct(q, ("b", "c", "a"))
    assert parse_response(q, "C B A") == ("c", "b", "a")
    assert parse_response(q, "cba") == ("c", "b", "a")
    with pytest.raises(ValueError, match="put all 3 letters"):
        parse_response(q, "c b")


def test_parse_with_display_labels(qs) -> None:
    q = qs["multiple"]
    labels = {"A": "c", "B": "a", "C": "d", "D": "b"}  # shuffled display order
    assert parse_response(q, "b, d", labels) == ("a", "b")
    assert parse_response(q, "BD", labels) == ("a", "b")
    with pytest.raises(ValueError, match="different letters among A, B, C, D"):
        parse_response(q, "b, e", labels)
    with pytest.raises(ValueError, match="one letter: A, B, C"):
        parse_response(qs["single"], "ab", {"A": "a", "B": "b", "C": "c"})
    assert format_answer(q, {"c": "A", "a": "B", "d": "C", "b": "D"}) == "B) Throttles; D) Errors"


@pytest.mark.parametrize(
    ("correct", "total", "scaled"),
    [(0, 50, 100), (50, 50, 1000), (35, 50, 730), (34, 50, 712), (25, 50, 550), (1, 3, 400)],
)
def test_scaled_score_is_linear(correct: int, total: int, scaled: int) -> None:
    # 100 + 900 * correct / total, rounded
    assert scaled_score(correct, total) == scaled


def test_scaled_score_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="no scored items"):
        scaled_score(0, 0)
    with pytest.raises(ValueError):
        scaled_score(6, 5)


def test_bands() -> None:
    # meets when the domain's own scaled score reaches 720 (>= 68.9 %)
    assert band(11, 16) == NEEDS_WORK  # 100 + 900 * 11/16 = 718.75 -> 719, just short
    assert band(12, 16) == MEETS  # 775
    assert band(9, 13) == MEETS  # 723
    assert band(8, 12) == NEEDS_WORK  # 700
    assert band(7, 9) == MEETS  # 800
    assert band(0, 0) == NEEDS_WORK


def test_unscored_items_do_not_count(qs) -> None:
    single, multiple = qs["single"], qs["multiple"]
    items = [
        (single, "dva.development", True),
        (multiple, "dva.troubleshooting", True),
        (single, "dva.development", False),  # unscored: answered right
        (multiple, "dva.troubleshooting", False),  # unscored: answered wrong
        (single, "dva.development", True),
    ]
    responses = {0: "b", 1: ("a",), 2: "b", 3: ("c",), 4: "b"}
    result = score_exam(items, responses)
    assert (result.correct, result.scored) == (2, 3)
    assert result.scaled == 700  # 100 + 900 * 2/3
    assert not result.passed
    by = {d.domain: d for d in result.domains}
    assert (by["dva.development"].correct, by["dva.development"].total) == (2, 2)
    assert by["dva.development"].band == MEETS
    assert (by["dva.troubleshooting"].correct, by["dva.troubleshooting"].total) == (0, 1)
    assert by["dva.troubleshooting"].band == NEEDS_WORK
    # flipping an unscored answer changes nothing
    assert score_exam(items, {**responses, 3: ("a", "b"), 2: "a"}) == result
