"""Feedback's shared helpers for checks: a missing resource and a handler that does not compile
are reported as one failed step with the check's own text, never raised."""

from __future__ import annotations

from botocore.exceptions import ClientError

from lablib.exercises import Feedback, check, exercise


def _not_found(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "gone"}}, "GetThing")


@exercise("test-helpers/found", title="A resource the exercise needs")
def _found(fb: Feedback, code: str = "", value: object = None) -> None:
    extra = {} if value is None else {"value": value}
    with fb.found(ClientError, "thing t-1 exists", expected="thing t-1", hint="run it", **extra):
        if code:
            raise _not_found(code)
    fb.note("after the lookup")


@exercise("test-helpers/other-error", title="An error the check does not expect")
def _other_error(fb: Feedback) -> None:
    with fb.found(KeyError, "thing t-1 exists"):
        raise ValueError("not a lookup failure")


@exercise("test-helpers/compiles", title="A handler that compiles")
def _compiles(fb: Feedback, code: str = "") -> None:
    fb.compiles(code, hint="fix HANDLER")
    fb.note("compiled")


@exercise("test-helpers/fail", title="A failure that stops the check")
def _fail(fb: Feedback) -> None:
    fb.fail("always", expected="x", got="y", hint="z")
    fb.note("never reached")


def test_found_passes_through_when_the_resource_exists() -> None:
    result = check("test-helpers/found")
    assert result.passed
    assert [step.what for step in result.steps] == ["after the lookup"]


def test_found_reports_the_aws_error_code_and_stops() -> None:
    result = check("test-helpers/found", code="NoSuchEntity")
    assert not result.passed and result.failure is not None
    assert len(result.steps) == 1
    step = result.failure
    assert (step.what, step.expected, step.got, step.hint) == (
        "thing t-1 exists",
        "thing t-1",
        "NoSuchEntity",
        "run it",
    )


def test_found_puts_the_learners_value_before_the_code() -> None:
    result = check("test-helpers/found", code="QueueDoesNotExist", value="li-dlq")
    assert result.failure is not None
    assert result.failure.got == "'li-dlq': QueueDoesNotExist"


def test_found_lets_other_errors_through_to_check() -> None:
    result = check("test-helpers/other-error")
    assert result.failure is not None
    assert result.failure.what == "the check could run"
    assert "ValueError: not a lookup failure" in result.failure.got


def test_compiles() -> None:
    assert check("test-helpers/compiles", code="def handler(e, c):\n    return 1\n").passed
    result = check("test-helpers/compiles", code="def handler(e, c)\n    return 1\n")
    assert result.failure is not None and len(result.steps) == 1
    step = result.failure
    assert (step.what, step.expected, step.hint) == (
        "the handler compiles",
        "valid Python",
        "fix HANDLER",
    )
    assert step.got.startswith("line 1: ")


def test_fail_records_one_step_and_stops() -> None:
    result = check("test-helpers/fail")
    assert not result.passed
    assert [(s.what, s.ok, s.expected, s.got, s.hint) for s in result.steps] == [
        ("always", False, "x", "y", "z")
    ]
