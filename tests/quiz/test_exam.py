"""Exam drawing: 65 items, 15 unscored, the exam guide's domain weights, seeded shuffles."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from lablib.quiz.bank import load_bank
from lablib.quiz.exam import Attempt, apportion, draw_exam, draw_quiz, new_attempt
from lablib.quiz.schema import DOMAINS, EXAMS


def test_apportion_largest_remainder() -> None:
    weights = {k: DOMAINS[k].weight for k in EXAMS["DVA-C02"]}
    assert apportion(weights, 50) == {
        "dva.development": 16,
        "dva.security": 13,
        "dva.deployment": 12,
        "dva.troubleshooting": 9,
    }
    assert sum(apportion(weights, 15).values()) == 15
    saa = {k: DOMAINS[k].weight for k in EXAMS["SAA-C03"]}
    assert apportion(saa, 50) == {
        "saa.secure": 15,
        "saa.resilient": 13,
        "saa.performance": 12,
        "saa.cost": 10,
    }


@pytest.mark.parametrize("exam", ["DVA-C02", "SAA-C03"])
@pytest.mark.parametrize("seed", [1, 2, 3, 42, 2026])
def test_domain_weights_within_one_question(exam_bank_dir: Path, exam: str, seed: int) -> None:
    bank = load_bank(exam_bank_dir)
    items, warnings = draw_exam(bank.questions, exam, seed)
    assert warnings == []
    assert len(items) == 65
    assert len({i.qid for i in items}) == 65
    scored = [i for i in items if i.scored]
    assert len(scored) == 50
    counts = Counter(i.domain for i in scored)
    all_counts = Counter(i.domain for i in items)
    for key in EXAMS[exam]:
        assert abs(counts[key] - 50 * DOMAINS[key].weight) <= 1, (key, counts)
        assert abs(all_counts[key] - 65 * DOMAINS[key].weight) <= 1, (key, all_counts)
    for item in items:
        assert item.domain in bank.get(item.qid).domains


def test_same_seed_reproduces_an_attempt(exam_bank_dir: Path) -> None:
    bank = load_bank(exam_bank_dir)
    first, _ = draw_exam(bank.questions, "DVA-C02", 7)
    again, _ = draw_exam(list(reversed(bank.questions)), "DVA-C02", 7)
    other, _ = draw_exam(bank.questions, "DVA-C02", 8)
    assert first == again
    assert [i.qid for i in first] != [i.qid for i in other]


def test_options_are_shuffled_per_attempt(exam_bank_dir: Path) -> None:
    bank = load_bank(exam_bank_dir)
    orders = {item.order for seed in range(5) for item in draw_quiz(bank.questions, 20, seed)}
    assert len(orders) > 5  # many different option orders
    assert all(sorted(o) == ["a", "b", "c", "d"] for o in orders)


def test_unscored_items_are_not_marked_in_what_the_learner_sees(exam_bank_dir: Path) -> None:
    bank = load_bank(exam_bank_dir)
    items, _ = draw_exam(bank.questions, "DVA-C02", 3)
    positions = [n for n, i in enumerate(items) if not i.scored]
    assert positions != list(range(50, 65))  # mixed in, not appended at the end
    assert len(positions) == 15


def test_too_small_a_bank_is_a_clear_error(bank_dir: Path) -> None:
    bank = load_bank(bank_dir)
    with pytest.raises(
        ValueError,
        match=r"has 2 single/multiple-response questions tagged with DVA-C02 .* needs 65",
    ):
        draw_exam(bank.questions, "DVA-C02", 1)
    with pytest.raises(ValueError, match="unknown exam"):
        draw_exam(bank.questions, "XYZ-C01", 1)


def test_short_domain_is_reported(exam_bank_dir: Path) -> None:
    bank = load_bank(exam_bank_dir)
    few = [q for q in bank.questions if "dva.security" not in q.domains]
    _, warnings = draw_exam(few, "DVA-C02", 1)
    assert warnings and all(w.startswith("not enough dva.security questions") for w in warnings)


def test_attempt_round_trips_through_json(bank_dir: Path) -> None:
    bank = load_bank(bank_dir)
    items = draw_quiz(bank.questions, None, 5)
    attempt = new_attempt("exam", bank.questions, items, 5, exam="DVA-C02", minutes=130)
    attempt.responses = {0: "a", 1: ("a", "b"), 2: 900.0}
    attempt.flagged = {1}
    back = Attempt.from_json(attempt.to_json())
    assert back == attempt
    assert back.time_limit == back.seconds_left == 7800
