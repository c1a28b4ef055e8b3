"""Lab 05's data-flow check against typical wrong Price states: each fails with its own
diagnosis (the step and its hint), the reference state passes, the learner stub fails."""

from __future__ import annotations

from typing import Any

import pytest

import lablib.labs.step_functions.checks  # noqa: F401  (registers the checks)
from lablib.exercises import check

SELECT = {"total.$": "$.total"}
# (mistake, the Price state without its Resource, failed step, words of its got/hint)
WRONG: list[tuple[str, dict[str, Any] | None, str, str]] = [
    ("unfilled (the learner copy)", None, "PRICE_STATE is filled in", "placeholder"),
    ("no ResultPath", {"ResultSelector": SELECT}, "price.total only", "replaced the order"),
    ("no ResultSelector", {"ResultPath": "$.price"}, "price.total only", "the whole result"),
    (
        "path without .$",
        {"ResultSelector": {"total": "$.total"}, "ResultPath": "$.price"},
        "price.total only",
        "copied as text",
    ),
    (
        "total at the top",
        {"ResultSelector": SELECT, "ResultPath": "$.total"},
        "price.total only",
        "went to total",
    ),
    (
        "Parameters for the result",
        {"Parameters": SELECT, "ResultPath": "$.price"},
        "the execution succeeds",
        "Parameters shapes the function's input",
    ),
    (
        "the wrong function",
        {"Resource": "charge_card", "ResultSelector": SELECT, "ResultPath": "$.price"},
        "the execution succeeds",
        "price-order function's ARN",
    ),
]


@pytest.mark.parametrize(("mistake", "fields", "step", "words"), WRONG, ids=[w[0] for w in WRONG])
def test_data_flow_wrong_answers(
    aws: Any, lab_fn: Any, mistake: str, fields: dict[str, Any] | None, step: str, words: str
) -> None:
    state: Any = ...
    if fields is not None:
        resource = lab_fn(fields.get("Resource", "price_order"))
        state = {"Type": "Task", **fields, "Resource": resource, "End": True}
    result = check("step-functions/data-flow", state=state)
    assert not result.passed, mistake
    failure = result.failure
    assert failure is not None and step in failure.what, (mistake, repr(result))
    assert words in failure.hint + failure.got, (mistake, repr(result))


def test_data_flow_mistakes_are_told_apart_and_the_reference_passes(aws: Any, lab_fn: Any) -> None:
    hints = set()
    for _, fields, _, _ in WRONG[1:]:
        assert fields is not None
        resource = lab_fn(fields.get("Resource", "price_order"))
        state = {"Type": "Task", **fields, "Resource": resource, "End": True}
        failure = check("step-functions/data-flow", state=state).failure
        assert failure is not None
        hints.add(failure.hint)
    assert len(hints) == len(WRONG) - 1, hints
    right = {
        "Type": "Task",
        "Resource": lab_fn("price_order"),
        "ResultSelector": SELECT,
        "ResultPath": "$.price",
        "End": True,
    }
    assert check("step-functions/data-flow", state=right).passed
