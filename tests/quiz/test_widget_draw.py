"""Checkpoints and the end-of-lab draw: a few questions by concept, not the whole bank."""

from __future__ import annotations

import pytest

from lablib.quiz.bank import load_bank
from lablib.quiz.widget import draw, quiz_widget


def test_end_of_lab_draw_takes_ten_spread_over_the_concepts() -> None:
    whole = load_bank().select(lab="event-sources")
    assert len(whole) > 20
    quiz = quiz_widget("event-sources", record=False, count=10)
    assert len(quiz.questions) == 10
    firsts = [q.concepts[0] for q in load_bank().select(ids=[q.id for q in quiz.questions])]
    assert len(set(firsts)) >= min(10, len({q.concepts[0] for q in whole}))
    again = quiz_widget("event-sources", record=False, count=10)
    assert [q.id for q in again.questions] == [q.id for q in quiz.questions]  # seeded
    other = quiz_widget("event-sources", record=False, count=10, seed=7)
    assert [q.id for q in other.questions] != [q.id for q in quiz.questions]


def test_checkpoint_keeps_only_the_step_concepts() -> None:
    quiz = quiz_widget("event-sources", record=False, concepts=["es.sqs"], count=3)
    assert len(quiz.questions) == 3
    assert all("es.sqs" in q.concepts for q in load_bank().select(ids=quiz._to_bank))
    with pytest.raises(ValueError, match="unknown concept 'es.nope'"):
        quiz_widget("event-sources", record=False, concepts=["es.nope"])
    with pytest.raises(ValueError, match="count must be at least 1"):
        draw(load_bank().select(lab="event-sources"), 0, 1)
