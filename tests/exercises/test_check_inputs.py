"""Labs 04-06: a value of the wrong kind, or a resource the learner has not created yet, gets
its own diagnosis and a hint instead of a raw exception (no AWS needed for these)."""

from __future__ import annotations

from typing import Any

import pytest

import lablib.labs.serverless_practices.checks
import lablib.labs.step_functions.checks
import lablib.labs.versions_aliases.checks  # noqa: F401  (registers the checks)
from lablib.exercises import check

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("versions-aliases/weighted", {"counts": ...}, "COUNTS is filled in"),
    ("versions-aliases/weighted", {"counts": 150}, "COUNTS has the right type"),
    ("versions-aliases/custom-canary", {"name": ...}, "CONFIG_NAME is filled in"),
    ("versions-aliases/custom-canary", {"name": 20}, "CONFIG_NAME has the right type"),
    ("versions-aliases/rollback", {"response": ...}, "ROLLBACK is filled in"),
    ("step-functions/data-flow", {"state": ...}, "PRICE_STATE is filled in"),
    ("step-functions/approve", {"execution_arn": ...}, "APPROVAL_EXECUTION is filled in"),
    ("serverless-practices/least-privilege", {"policy": ...}, "READ_POLICY is filled in"),
    ("serverless-practices/least-privilege", {"policy": "s3:GetObject"}, "policy document"),
]


@pytest.mark.parametrize(("exercise", "inputs", "step"), CASES, ids=[str(c[1]) for c in CASES])
def test_wrong_kind_of_answer_is_diagnosed(
    exercise: str, inputs: dict[str, Any], step: str
) -> None:
    result = check(exercise, **inputs)
    assert not result.passed
    failure = result.failure
    assert failure is not None and step in failure.what, repr(result)
    assert failure.hint, repr(result)
    assert "the check could run" not in failure.what, repr(result)
