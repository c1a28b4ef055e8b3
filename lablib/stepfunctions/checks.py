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
from lablib.stepfunctions.history import history
from lablib.stepfunctions.lab import role, state_machine
from lablib.stepfunctions.validate import problems
from lablib.stepfunctions.wait import wait_for_execution

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
        hint="the Resource must be the price-order function's ARN",
    )
    output = json.loads(described["output"])
    expected = dict(ORDER, price={"total": 30.0})
    fb.expect(
        output == expected,
        "the output is the whole order plus price.total only",
        expected=json.dumps(expected),
        got=json.dumps(output),
        hint='ResultSelector {"total.$": "$.total"} keeps one field of the result; '
        'ResultPath "$.price" puts it beside the input instead of replacing it',
    )


@exercise("step-functions/retry-catch", title="Tame the flaky payment")
def _(fb: Feedback, retry: Any = None, catch: Any = None, charge_arn: str = "") -> None:
    fb.filled(retry, "RETRY")
    fb.filled(catch, "CATCH")
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
    _valid(fb, definition)
    flaky = {"orderId": "o-1", "amount": 20, "failTimes": 2, "declined": False}
    described, events = _run("sf-exercise-retry", definition, flaky)
    attempts = [r.type for r in events.rows].count("LambdaFunctionScheduled")
    fb.expect(
        described["status"] == "SUCCEEDED" and events.path == ["Charge"],
        "a payment that is busy twice succeeds on the third attempt",
        expected="SUCCEEDED after 3 attempts, never reaching PaymentFailed",
        got=f"{described['status']} after {attempts} attempt(s), path {events.path}",
        hint='Retry on ["PaymentBusy"] with MaxAttempts of at least 2 (the first call is '
        "not a retry)",
    )
    declined = dict(flaky, failTimes=0, declined=True)
    described, events = _run("sf-exercise-retry", definition, declined)
    output = json.loads(described.get("output") or "null")
    attempts = [r.type for r in events.rows].count("LambdaFunctionScheduled")
    fb.expect(
        events.path == ["Charge", "PaymentFailed"] and attempts == 1,
        "a declined card goes straight to PaymentFailed (no retries)",
        expected="path Charge -> PaymentFailed with one attempt",
        got=f"path {events.path} after {attempts} attempt(s), {described['status']} "
        f"{described.get('error', '')}",
        hint='Catch ["CardDeclined"] (or States.ALL) with "Next": "PaymentFailed"; do not retry '
        "CardDeclined",
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


@exercise("step-functions/approve", title="Approve the order from the queue")
def _(fb: Feedback, execution_arn: str = "") -> None:
    fb.filled(execution_arn, "APPROVAL_EXECUTION")
    sfn = boto3.client("stepfunctions")
    described = wait_for_execution(sfn, execution_arn, timeout=5, progress=False)
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
