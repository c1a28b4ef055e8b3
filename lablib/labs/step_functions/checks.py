"""Exercise checks for lab 05 (step-functions), registered with ``lablib.exercises``.

Each check builds a small state machine from the learner's answer, runs it against the local
AWS through boto3 and explains what it expected. Importing this module registers them (the
lab's setup cell does), so ``check("step-functions/...")`` finds them.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from lablib.exercises.core import Feedback, exercise
from lablib.labs.step_functions.views import role, state_machine
from lablib.stepfunctions.history import history
from lablib.stepfunctions.validate import problems
from lablib.stepfunctions.wait import ExecutionTimeout, wait_for_execution

ORDER = {
    "orderId": "o-check",
    "items": [{"sku": "A1", "qty": 2, "price": 10.0}, {"sku": "B2", "qty": 1, "price": 5.5}],
}


def _run(name: str, definition: dict[str, Any], payload: Any) -> tuple[dict[str, Any], Any]:
    sfn = boto3.client("stepfunctions")
    arn = state_machine(sfn, name, definition, role(boto3.client("iam")))
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))
    described = wait_for_execution(sfn, execution["executionArn"], timeout=30, progress=False)
    return described, history(sfn, execution["executionArn"])


def _valid(fb: Feedback, definition: dict[str, Any]) -> None:
    found = problems(definition)
    fb.expect(
        not found,
        "the definition is valid ASL",
        expected="no problems",
        got="; ".join(str(p) for p in found),
        hint="fix the field named in the message (the pointer shows where)",
    )


@exercise("step-functions/data-flow", title="Keep the order, add only the total")
def _(fb: Feedback, state: Any = None, price_arn: str = "") -> None:
    fb.filled(state, "PRICE_STATE")
    fb.expect(isinstance(state, dict), "PRICE_STATE is a dict (one Task state)", got=repr(state))
    price = dict(state, End=True)
    price.pop("Next", None)
    definition: dict[str, Any] = {"StartAt": "Price", "States": {"Price": price}}
    _valid(fb, definition)
    described, _ = _run("sf-exercise-data-flow", definition, ORDER)
    fb.expect(
        described["status"] == "SUCCEEDED",
        "the execution succeeds",
        expected="SUCCEEDED",
        got=f"{described['status']} {described.get('error', '')} {described.get('cause', '')}",
        hint=_data_flow_failure_hint(
            state, f"{described.get('error', '')} {described.get('cause', '')}"
        ),
    )
    output = json.loads(described["output"])
    expected = dict(ORDER, price={"total": 30.0})
    fb.expect(
        output == expected,
        "the output is the whole order plus price.total only",
        expected=json.dumps(expected),
        got=json.dumps(output),
        hint=_data_flow_hint(output),
    )


def _data_flow_failure_hint(state: dict[str, Any], failure: str) -> str:
    """Why the Price state failed: Parameters used to filter the result (it shapes the input,
    before the call), or a Resource that is not the price-order function."""
    if "Parameters" in state and ("States.Runtime" in failure or "JSONPath" in failure):
        return (
            "Parameters shapes the function's input, before the call (the order has no "
            "total): the result is filtered with ResultSelector"
        )
    return "the Resource must be the price-order function's ARN"


def _data_flow_hint(output: Any) -> str:
    """What the output shows: the order replaced, the whole result kept, a literal path, or
    the total put somewhere other than price."""
    both = (
        'ResultSelector {"total.$": "$.total"} keeps one field of the result; '
        'ResultPath "$.price" puts it beside the input instead of replacing it'
    )
    if not isinstance(output, dict) or "items" not in output:
        return (
            'the result replaced the order (the default ResultPath is "$"): '
            'ResultPath "$.price" puts it beside the input'
        )
    price = output.get("price")
    if isinstance(price, dict) and price.get("total") == "$.total":
        return 'a key without ".$" is copied as text: write "total.$": "$.total"'
    if isinstance(price, dict) and set(price) > {"total"}:
        return (
            f"price holds the whole result ({', '.join(sorted(price))}): "
            'ResultSelector {"total.$": "$.total"} keeps only the total'
        )
    extra = sorted(set(output) - set(ORDER) - {"price"})
    if extra:
        return f'the result went to {", ".join(extra)}: ResultPath "$.price" names where it goes'
    return both


@exercise("step-functions/retry-catch", title="Tame the flaky payment")
def _(fb: Feedback, retry: Any = None, catch: Any = None, charge_arn: str = "") -> None:
    """Four runs, one per requirement, each failure with its own diagnosis. The last
    requirement (give up after 3 retries, then PaymentFailed) is what step 5's RETRY/CATCH
    do not do, so copying them (or skipping the exercise cell) does not pass."""
    fb.filled(retry, "PAY_RETRY", list)
    fb.filled(catch, "PAY_CATCH", list)
    definition: dict[str, Any] = {
        "StartAt": "Charge",
        "States": {
            "Charge": {
                "Type": "Task",
                "Resource": charge_arn,
                "Parameters": {
                    "orderId.$": "$.orderId",
                    "amount.$": "$.amount",
                    "failTimes.$": "$.failTimes",
                    "declined.$": "$.declined",
                    "attempt.$": "$$.State.RetryCount",
                },
                "ResultPath": "$.payment",
                "Retry": retry,
                "Catch": catch,
                "End": True,
            },
            "PaymentFailed": {"Type": "Pass", "End": True},
        },
    }
    fb.expect(
        any(isinstance(c, dict) and c.get("Next") == "PaymentFailed" for c in catch),
        "a Catch entry leads to PaymentFailed",
        expected='a Catch entry with "Next": "PaymentFailed"',
        got=json.dumps(catch)[:200],
        hint='add a Catch entry for ["CardDeclined"] with "Next": "PaymentFailed"',
    )
    _valid(fb, definition)
    busy_rules = [
        r
        for r in retry
        if isinstance(r, dict)
        and {"PaymentBusy", "States.ALL", "States.TaskFailed"} & set(r.get("ErrorEquals", []))
    ]
    too_many = [r.get("MaxAttempts", 3) for r in busy_rules if r.get("MaxAttempts", 3) > 3]
    fb.expect(
        not too_many,
        "the Retry gives up after at most 3 retries",
        expected="MaxAttempts 3 (the default when omitted)",
        got=f"MaxAttempts {too_many[0]}" if too_many else "",
        hint="a payment busy for minutes should reach PaymentFailed, not be retried for ever",
    )
    flaky = {"orderId": "o-1", "amount": 20, "failTimes": 2, "declined": False}
    described, events = _run("sf-exercise-retry", definition, flaky)
    attempts = [r.type for r in events.rows].count("LambdaFunctionScheduled")
    fb.expect(
        described["status"] == "SUCCEEDED" and events.path == ["Charge"],
        "a payment that is busy twice succeeds on the third attempt",
        expected="SUCCEEDED after 3 attempts, never reaching PaymentFailed",
        got=f"{described['status']} after {attempts} attempt(s), path {events.path}",
        hint='Retry on ["PaymentBusy"] with MaxAttempts of at least 2 (the first call is '
        "not a retry)"
        if attempts < 3
        else "the Retry must list PaymentBusy",
    )
    declined = dict(flaky, failTimes=0, declined=True)
    described, events = _run("sf-exercise-retry", definition, declined)
    output = json.loads(described.get("output") or "null")
    attempts = [r.type for r in events.rows].count("LambdaFunctionScheduled")
    fb.expect(
        events.path == ["Charge", "PaymentFailed"],
        "a declined card goes to PaymentFailed",
        expected="path Charge -> PaymentFailed",
        got=f"path {events.path}, {described['status']} {described.get('error', '')}",
        hint='add a Catch entry for ["CardDeclined"] with "Next": "PaymentFailed"',
    )
    fb.expect(
        attempts == 1,
        "a declined card is not retried",
        expected="one attempt (a decline will not change on a retry)",
        got=f"{attempts} attempts",
        hint="the Retry matches CardDeclined (States.ALL or States.TaskFailed do): list only "
        '["PaymentBusy"] in ErrorEquals',
    )
    fb.expect(
        isinstance(output, dict)
        and output.get("orderId") == "o-1"
        and output.get("error", {}).get("Error") == "CardDeclined",
        "PaymentFailed receives the order plus the error under $.error",
        expected='{"orderId": "o-1", ..., "error": {"Error": "CardDeclined", "Cause": ...}}',
        got=json.dumps(output)[:200],
        hint='add "ResultPath": "$.error" to the Catch entry so the input is kept',
    )
    busy = dict(flaky, orderId="o-2", failTimes=9)
    described, events = _run("sf-exercise-retry", definition, busy)
    output = json.loads(described.get("output") or "null")
    attempts = [r.type for r in events.rows].count("LambdaFunctionScheduled")
    fb.expect(
        attempts == 4,
        "a payment that stays busy is given up after 3 retries (4 attempts)",
        expected="4 attempts",
        got=f"{attempts} attempts",
        hint="MaxAttempts counts retries: 3 retries are 4 calls",
    )
    fb.expect(
        events.path == ["Charge", "PaymentFailed"]
        and isinstance(output, dict)
        and output.get("error", {}).get("Error") == "PaymentBusy",
        "after the last retry the busy payment goes to PaymentFailed with its error",
        expected='path Charge -> PaymentFailed, output with "error": {"Error": "PaymentBusy", ...}',
        got=f"path {events.path}, {described['status']} {described.get('error', '')}",
        hint="a Catch is tried only after the Retry gives up: catch PaymentBusy as well "
        '(["CardDeclined", "PaymentBusy"], or States.ALL) with the same ResultPath and Next',
    )


@exercise("step-functions/approve", title="Approve the order from the queue")
def _(fb: Feedback, execution_arn: str = "") -> None:
    fb.filled(execution_arn, "APPROVAL_EXECUTION")
    sfn = boto3.client("stepfunctions")
    try:
        described = wait_for_execution(sfn, execution_arn, timeout=5, progress=False)
    except ExecutionTimeout:
        fb.fail(
            "the approval execution finished",
            expected="SUCCEEDED",
            got="still RUNNING: it waits for an answer to its task token",
            hint="next_request() gives you the message; answer its token with send_task_success",
        )
    except sfn.exceptions.ExecutionDoesNotExist:
        fb.fail(
            "APPROVAL_EXECUTION is the approval execution",
            expected="the executionArn the cell above the exercise started",
            got=str(execution_arn)[:120],
            hint="run the cell above the exercise again, then your answer",
        )
    fb.expect(
        described["status"] == "SUCCEEDED",
        "the approval execution finished successfully",
        expected="SUCCEEDED",
        got=f"{described['status']} {described.get('error', '')}",
        hint="receive the message, read its token and call send_task_success with it",
    )
    output = json.loads(described["output"])
    fb.expect(
        output.get("approval") == {"approved": True, "by": "you"},
        "the manager's answer is in $.approval",
        expected='{"approved": true, "by": "you"}',
        got=json.dumps(output.get("approval")),
        hint='send output=json.dumps({"approved": True, "by": "you"})',
    )


KINDS = {
    "approval": (
        "STANDARD",
        "it waits up to 3 days for a task token: Express runs at most 5 minutes and has no "
        "callbacks (.waitForTaskToken is Standard-only)",
    ),
    "sensors": (
        "EXPRESS",
        "100,000 short, idempotent runs a second: Express is built for high-volume event "
        "processing and billed by duration, Standard per state transition",
    ),
    "sync-api": (
        "EXPRESS",
        "the caller needs the result in the response: only Express has StartSyncExecution",
    ),
    "audited-charge": (
        "STANDARD",
        "a step must not run twice unless a Retry says so, and each run's history must be "
        "queryable for 90 days: Standard (Express is at least once when asynchronous, and its "
        "history is only in CloudWatch Logs)",
    ),
}


@exercise("step-functions/standard-or-express", title="Design: Standard or Express")
def _(fb: Feedback, answers: Any = None) -> None:
    """A design task from requirements: one diagnosis per requirement."""
    fb.answered(answers, "WORKFLOW_KIND", KINDS)
    for key, (right, why) in KINDS.items():
        given = str(answers[key]).strip().upper()
        fb.expect(
            given in ("STANDARD", "EXPRESS"),
            f"{key}: the answer is a workflow type",
            expected='"STANDARD" or "EXPRESS"',
            got=repr(answers[key]),
            hint="write the type as CreateStateMachine spells it: STANDARD or EXPRESS",
        )
        fb.expect(given == right, f"{key}: {right}", expected=right, got=given, hint=why)
