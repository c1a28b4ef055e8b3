"""The design exercises (labs 04 and 05): the answer passes; the learner copy's placeholder and
each distinct wrong answer fail with their own diagnosis (the step named and its hint)."""

from __future__ import annotations

from typing import Any

import pytest

import lablib.labs.step_functions.checks
import lablib.labs.versions_aliases.checks  # noqa: F401  (registers the checks)
from lablib.exercises import check

KINDS = {
    "approval": "STANDARD",
    "sensors": "EXPRESS",
    "sync-api": "EXPRESS",
    "audited-charge": "STANDARD",
}
CONFIGS = {
    "payments": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "batch": "CodeDeployDefault.LambdaAllAtOnce",
    "public-api": "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
}

WRONG: list[tuple[str, str, Any, str, str]] = [
    (
        "step-functions/standard-or-express",
        "unfilled",
        ...,
        "WORKFLOW_KIND is filled in",
        "placeholder",
    ),
    ("step-functions/standard-or-express", "a list", ["STANDARD"], "right type", "dict"),
    (
        "step-functions/standard-or-express",
        "one missing",
        {"approval": "STANDARD"},
        "every requirement",
        "sensors",
    ),
    (
        "step-functions/standard-or-express",
        "typo",
        dict(KINDS, sensors="fast"),
        "sensors: the answer is a",
        "STANDARD or EXPRESS",
    ),
    (
        "step-functions/standard-or-express",
        "callback on Express",
        dict(KINDS, approval="EXPRESS"),
        "approval: STANDARD",
        "5 minutes",
    ),
    (
        "step-functions/standard-or-express",
        "sync on Standard",
        dict(KINDS, **{"sync-api": "STANDARD"}),
        "sync-api: EXPRESS",
        "StartSyncExecution",
    ),
    (
        "step-functions/standard-or-express",
        "audit on Express",
        dict(KINDS, **{"audited-charge": "EXPRESS"}),
        "audited-charge: STANDARD",
        "history",
    ),
    (
        "step-functions/standard-or-express",
        "volume on Standard",
        dict(KINDS, sensors="STANDARD"),
        "sensors: EXPRESS",
        "high-volume",
    ),
    (
        "versions-aliases/pick-config",
        "unfilled",
        ...,
        "RELEASE_CONFIGS is filled in",
        "placeholder",
    ),
    (
        "versions-aliases/pick-config",
        "one missing",
        {"batch": CONFIGS["batch"]},
        "every release",
        "payments",
    ),
    (
        "versions-aliases/pick-config",
        "no prefix",
        dict(CONFIGS, batch="LambdaAllAtOnce"),
        "batch: the full configuration name",
        "CodeDeployDefault.",
    ),
    (
        "versions-aliases/pick-config",
        "made-up name",
        dict(CONFIGS, payments="Canary10Percent5Minutes"),
        "payments: a predefined",
        "step 5",
    ),
    (
        "versions-aliases/pick-config",
        "linear for a canary",
        dict(CONFIGS, payments=CONFIGS["public-api"]),
        "payments: CodeDeployDefault",
        "needs a Canary",
    ),
    (
        "versions-aliases/pick-config",
        "canary for a linear",
        dict(CONFIGS, **{"public-api": CONFIGS["payments"]}),
        "public-api: CodeDeployDefault",
        "needs a Linear",
    ),
    (
        "versions-aliases/pick-config",
        "wrong minutes",
        dict(CONFIGS, payments="CodeDeployDefault.LambdaCanary10Percent30Minutes"),
        "payments: CodeDeployDefault",
        "5 minutes",
    ),
]


def test_the_answers_pass() -> None:
    assert check("step-functions/standard-or-express", answers=KINDS).passed
    assert check(
        "step-functions/standard-or-express", answers={k: v.lower() for k, v in KINDS.items()}
    ).passed
    assert check("versions-aliases/pick-config", answers=CONFIGS).passed


@pytest.mark.parametrize(
    ("exercise", "label", "answers", "step", "hint"), WRONG, ids=[f"{w[0]}-{w[1]}" for w in WRONG]
)
def test_each_wrong_answer_gets_its_own_diagnosis(
    exercise: str, label: str, answers: Any, step: str, hint: str
) -> None:
    result = check(exercise, answers=answers)
    assert not result.passed, label
    failure = result.failure
    assert failure is not None and step in failure.what, (label, repr(result))
    assert hint in failure.hint + failure.got + failure.expected, (label, repr(result))
