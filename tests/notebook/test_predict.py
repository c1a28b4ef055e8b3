"""Predict-run-explain prompts: a guess is compared with the run's result, never raising."""

from __future__ import annotations

import pytest

from lablib.notebook.predict import matches, predict, reveal


def test_prompt_letters_choices_and_renders_both_ways() -> None:
    q = predict("How many invocations?", ["one", "two", "it loops"])
    assert q.letter("b") == "two" and q.letter("B)") == "two" and q.letter("d") is None
    assert "  c) it loops" in repr(q) and "PREDICTION" in repr(q)
    assert "<b>a)</b> one" in q._repr_html_()
    with pytest.raises(ValueError, match="needs a question"):
        predict("  ")


def test_a_letter_or_the_text_of_the_choice_matches() -> None:
    q = predict("Which?", ["Mapping refused", "Accepted"])
    assert reveal("a", "mapping refused", "why", prompt=q).verdict == "right"
    assert reveal(" Mapping   REFUSED ", "mapping refused", "why", prompt=q).verdict == "right"
    wrong = reveal("b", "mapping refused", "because", prompt=q)
    assert wrong.verdict == "wrong" and "b) Accepted" in repr(wrong)
    assert "WRONG" in wrong._repr_html_() and "because" in wrong._repr_html_()


def test_numbers_compare_as_numbers_with_an_optional_tolerance() -> None:
    assert matches(3, "3") and matches("1,000", 1000) and not matches(2, 3)
    assert matches(95, 100, tolerance=0.1) and not matches(80, 100, tolerance=0.1)
    assert not matches(True, 1)  # a bool is not a count


def test_an_unfilled_prediction_still_reveals_without_raising() -> None:
    for guess in (..., None, "  "):
        shown = reveal(guess, 7, "seven, because")
        assert shown.verdict == "no guess"
        assert "What happened:   7" in repr(shown) and "seven, because" in repr(shown)
        assert "none yet" in shown._repr_html_()
