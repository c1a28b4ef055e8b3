"""The check registry and feedback, without AWS: failures are reported, never raised."""

from __future__ import annotations

import pytest

from lablib.exercises import Feedback, check, exercise, registered


@exercise("test-lab/sum", title="Add two numbers")
def _sum(fb: Feedback, answer: object = ...) -> None:
    value = fb.filled(answer, "ANSWER")
    fb.expect(value == 3, "1 + 2 is right", expected=3, got=value, hint="count again")


@exercise("test-lab/memory", title="A number of megabytes")
def _memory(fb: Feedback, answer: object = ...) -> None:
    value = fb.filled(answer, "MEMORY_MB", int)
    fb.expect(value == 512, "512 MB", expected=512, got=value)


@exercise("test-lab/crash", title="A check that hits an error")
def _crash(fb: Feedback) -> None:
    fb.note("started")
    raise KeyError("QueueUrl")


def test_pass_and_fail_with_feedback() -> None:
    assert check("test-lab/sum", answer=3).passed
    wrong = check("test-lab/sum", answer=4)
    assert not wrong.passed
    text = repr(wrong)
    assert text.startswith("FAILED test-lab/sum: Add two numbers")
    assert "expected: 3" in text and "got:      4" in text and "hint:     count again" in text
    assert "&#10008;" in wrong._repr_html_()


def test_placeholder_is_reported() -> None:
    result = check("test-lab/sum")
    assert not result.passed and result.failure is not None
    assert result.failure.what == "ANSWER is filled in"
    assert "placeholder" in result.failure.got


def test_a_number_typed_as_text_gets_its_own_diagnosis() -> None:
    assert check("test-lab/memory", answer=512).passed
    text = check("test-lab/memory", answer="512")
    assert not text.passed and text.failure is not None
    assert text.failure.what == "MEMORY_MB has the right type"
    assert text.failure.got == "'512' (str)"
    assert text.failure.hint == "write MEMORY_MB = 512 (a number, without quotes)"
    other = check("test-lab/memory", answer="lots")
    assert other.failure is not None and other.failure.hint == "MEMORY_MB must be a number"
    assert not check("test-lab/memory", answer=True).passed


def test_errors_become_failures() -> None:
    result = check("test-lab/crash")
    assert not result.passed
    assert result.failure is not None and "KeyError" in result.failure.got


def test_unknown_id_lists_the_lab_exercises() -> None:
    with pytest.raises(
        KeyError, match="exercises of lab 'test-lab': test-lab/crash, test-lab/memory, test-lab/sum"
    ):
        check("test-lab/nope")
    with pytest.raises(ValueError, match="'<lab-id>/<name>'"):
        exercise("no-slash", title="x")


def test_lab01_checks_are_registered() -> None:
    assert registered("lambda-invocation") == [
        "lambda-invocation/cheapest-memory",
        "lambda-invocation/dlq",
        "lambda-invocation/idempotent",
        "lambda-invocation/timeout",
    ]
