"""The design exercises of labs 02, 03 and 06 (no AWS needed): the answer passes; the learner
copy's placeholder and each distinct wrong answer fail with their own diagnosis."""

from __future__ import annotations

from typing import Any

import pytest

import lablib.labs.api_gateway.checks
import lablib.labs.event_sources.checks
import lablib.labs.serverless_practices.checks  # noqa: F401  (registers the checks)
from lablib.exercises import check

SQS = {"visibility_timeout_s": 120, "report_batch_item_failures": True, "max_receive_count": 3}
API = {"partner-quota": "REST", "chat": "WEBSOCKET", "jwt-proxy": "HTTP", "cached-catalog": "REST"}
CHAIN = {"downstream_s": 5, "function_s": 10}

CASES: list[tuple[str, str, str, Any, str, str]] = [
    (
        "event-sources/sqs-settings",
        "settings",
        "unfilled",
        ...,
        "SQS_SETTINGS is filled",
        "placeholder",
    ),
    (
        "event-sources/sqs-settings",
        "settings",
        "text",
        dict(SQS, visibility_timeout_s="120"),
        "right type",
        "without quotes",
    ),
    (
        "event-sources/sqs-settings",
        "settings",
        "below timeout",
        dict(SQS, visibility_timeout_s=10),
        "at least the function timeout",
        "refuses",
    ),
    (
        "event-sources/sqs-settings",
        "settings",
        "below 6x",
        dict(SQS, visibility_timeout_s=30),
        "6x advice",
        "6 x",
    ),
    (
        "event-sources/sqs-settings",
        "settings",
        "no partial",
        dict(SQS, report_batch_item_failures=False),
        "report_batch_item_failures",
        "ReportBatchItemFailures",
    ),
    (
        "event-sources/sqs-settings",
        "settings",
        "no retry",
        dict(SQS, max_receive_count=1),
        "max_receive_count sends",
        "second chance",
    ),
    ("api-gateway/pick-api-type", "answers", "unfilled", ..., "API_TYPE is filled", "placeholder"),
    (
        "api-gateway/pick-api-type",
        "answers",
        "missing",
        {"chat": "WEBSOCKET"},
        "every requirement",
        "partner-quota",
    ),
    (
        "api-gateway/pick-api-type",
        "answers",
        "typo",
        dict(API, chat="sockets"),
        "chat: the answer is an API type",
        "WEBSOCKET",
    ),
    (
        "api-gateway/pick-api-type",
        "answers",
        "keys on HTTP",
        dict(API, **{"partner-quota": "HTTP"}),
        "partner-quota: REST",
        "usage plans",
    ),
    (
        "api-gateway/pick-api-type",
        "answers",
        "cache on HTTP",
        dict(API, **{"cached-catalog": "HTTP"}),
        "cached-catalog: REST",
        "stage cache",
    ),
    (
        "api-gateway/pick-api-type",
        "answers",
        "push on REST",
        dict(API, chat="REST"),
        "chat: WEBSOCKET",
        "pushes",
    ),
    (
        "api-gateway/pick-api-type",
        "answers",
        "proxy on REST",
        dict(API, **{"jwt-proxy": "REST"}),
        "jwt-proxy: HTTP",
        "JWT",
    ),
    (
        "serverless-practices/timeout-chain",
        "timeouts",
        "unfilled",
        ...,
        "TIMEOUTS is filled",
        "placeholder",
    ),
    (
        "serverless-practices/timeout-chain",
        "timeouts",
        "too tight",
        dict(CHAIN, downstream_s=1),
        "usual 2 s",
        "normal answer",
    ),
    (
        "serverless-practices/timeout-chain",
        "timeouts",
        "past 29 s",
        dict(CHAIN, function_s=60),
        "below API Gateway",
        "504",
    ),
    (
        "serverless-practices/timeout-chain",
        "timeouts",
        "inverted",
        {"downstream_s": 10, "function_s": 5},
        "below function_s",
        "cut off",
    ),
]


def test_the_answers_pass() -> None:
    assert check("event-sources/sqs-settings", settings=SQS).passed
    assert check("api-gateway/pick-api-type", answers=API).passed
    assert check("serverless-practices/timeout-chain", timeouts=CHAIN).passed


@pytest.mark.parametrize(
    ("exercise", "arg", "label", "value", "step", "hint"),
    CASES,
    ids=[f"{c[0]}-{c[2]}" for c in CASES],
)
def test_each_wrong_answer_gets_its_own_diagnosis(
    exercise: str, arg: str, label: str, value: Any, step: str, hint: str
) -> None:
    result = check(exercise, **{arg: value})
    assert not result.passed, label
    failure = result.failure
    assert failure is not None and step in failure.what, (label, repr(result))
    assert hint in failure.hint + failure.got + failure.expected, (label, repr(result))
