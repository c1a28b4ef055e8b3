"""Errors: AWS's names reach Retry/Catch; Retry backs off on the lab clock; Catch keeps input."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.stepfunctions.conftest import Runner, one_state, output_of, task

INVOKE = "arn:aws:states:::lambda:invoke"


def test_unhandled_function_error_fails_the_execution(runner: Runner, lab_fn: Any) -> None:
    """Verifies: sfn.unhandled-error-fails-execution (error = errorType, cause = payload)."""
    described, events = runner.run(
        one_state(task(lab_fn("validate_order"))), {"orderId": 1, "items": []}
    )
    assert described["status"] == "FAILED"
    assert described["error"] == "InvalidOrder"
    cause = json.loads(described["cause"])
    assert cause["errorType"] == "InvalidOrder"
    assert cause["errorMessage"] == "order 1 has no items"
    assert [r.type for r in events.rows][-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]


def test_function_error_names_match_with_the_invoke_integration(
    runner: Runner, lab_fn: Any
) -> None:
    state = task(INVOKE, Parameters={"FunctionName": lab_fn("validate_order"), "Payload.$": "$"})
    described, events = runner.run(one_state(state), {"orderId": 2, "items": []})
    assert described["error"] == "InvalidOrder"
    assert "TaskFailed" in [r.type for r in events.rows]


def test_catch_matches_a_custom_error_by_its_name(runner: Runner, lab_fn: Any) -> None:
    """Verifies: sfn.catch-custom-error (ErrorEquals ["InvalidOrder"], no Lambda. prefix)."""
    definition = {
        "StartAt": "Validate",
        "States": {
            "Validate": task(
                lab_fn("validate_order"),
                Catch=[{"ErrorEquals": ["InvalidOrder"], "Next": "NotifyCustomer"}],
            ),
            "NotifyCustomer": {"Type": "Pass", "Result": "notified", "End": True},
        },
    }
    described, events = runner.run(definition, {"orderId": 3, "items": []})
    assert output_of(described) == "notified"
    assert events.path == ["Validate", "NotifyCustomer"]
    assert events.error_states == {"Validate"}


def test_catch_result_path_keeps_the_input(runner: Runner, lab_fn: Any) -> None:
    """Verifies: sfn.catch-resultpath-keeps-input (input plus $.error with Error and Cause)."""
    definition = {
        "StartAt": "Charge",
        "States": {
            "Charge": task(
                lab_fn("charge_card"),
                Catch=[
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Compensate"}
                ],
            ),
            "Compensate": {"Type": "Pass", "End": True},
        },
    }
    out = output_of(runner.run(definition, {"orderId": 42, "declined": True})[0])
    assert out["orderId"] == 42 and out["declined"] is True
    assert out["error"]["Error"] == "CardDeclined"
    assert json.loads(out["error"]["Cause"])["errorMessage"] == "card declined for order 42"


def flaky_machine(charge: str, fail_times: int, max_attempts: int) -> dict[str, Any]:
    return {
        "StartAt": "Charge",
        "States": {
            "Charge": task(
                charge,
                Parameters={
                    "amount.$": "$.amount",
                    "failTimes.$": "$.failTimes",
                    "attempt.$": "$$.State.RetryCount",
                },
                Retry=[
                    {
                        "ErrorEquals": ["PaymentBusy"],
                        "IntervalSeconds": 30,
                        "BackoffRate": 2.0,
                        "MaxAttempts": max_attempts,
                    }
                ],
            )
        },
    }


def test_retry_on_a_custom_error_then_success(runner: Runner, lab_fn: Any, aws: Any) -> None:
    """Verifies: sfn.retry-custom-error (MaxAttempts 2 = 3 calls; the history shows all three)."""
    began = time.monotonic()
    described, events = runner.run(
        flaky_machine(lab_fn("charge_card"), 2, 2), {"amount": 5, "failTimes": 2}
    )
    took = time.monotonic() - began
    assert output_of(described) == {"charged": 5, "attempt": 3, "status": "PAID"}
    types = [r.type for r in events.rows]
    assert types.count("LambdaFunctionScheduled") == 3
    assert types.count("LambdaFunctionFailed") == 2
    # Backoff: 30 s then 60 s of AWS time, on the lab clock.
    assert took >= aws.clock.real_seconds(90) * 0.9


def test_retry_gives_up_after_max_attempts(runner: Runner, lab_fn: Any) -> None:
    described, events = runner.run(
        flaky_machine(lab_fn("charge_card"), 5, 1), {"amount": 5, "failTimes": 5}
    )
    assert described["status"] == "FAILED"
    assert described["error"] == "PaymentBusy"
    assert [r.type for r in events.rows].count("LambdaFunctionScheduled") == 2


def test_lambda_timeout_is_lambda_unknown(runner: Runner, lab_fn: Any) -> None:
    """Verifies: sfn.lambda-timeout-unknown (function timeout -> Lambda.Unknown)."""
    described, _ = runner.run(one_state(task(lab_fn("slow_task", timeout=1))), {"seconds": 3})
    assert described["status"] == "FAILED"
    assert described["error"] == "Lambda.Unknown"
    assert "Task timed out after 1.00 seconds" in described["cause"]


def test_state_timeout_is_states_timeout(runner: Runner, lab_fn: Any) -> None:
    """Verifies: sfn.states-timeout (a state's TimeoutSeconds -> States.Timeout).

    The task would take 8 s; the execution ends well before that, even on a loaded machine."""
    state = task(lab_fn("slow_task", timeout=10), TimeoutSeconds=1)
    began = time.monotonic()
    described, events = runner.run(one_state(state), {"seconds": 8})
    assert time.monotonic() - began < 7
    assert described["error"] == "States.Timeout"
    assert "LambdaFunctionTimedOut" in [r.type for r in events.rows]


def test_task_failed_does_not_match_a_timeout(runner: Runner, lab_fn: Any) -> None:
    """Verifies: sfn.taskfailed-not-timeout (TaskFailed skips States.Timeout; States.ALL not)."""

    def machine(errors: list[str]) -> dict[str, Any]:
        return {
            "StartAt": "Slow",
            "States": {
                "Slow": task(
                    lab_fn("slow_task", timeout=10),
                    TimeoutSeconds=1,
                    Catch=[{"ErrorEquals": errors, "Next": "Cleanup"}],
                ),
                "Cleanup": {"Type": "Pass", "Result": "cleaned", "End": True},
            },
        }

    # the task takes 6 s, far beyond its 1 s TimeoutSeconds, however late the timer fires
    described, _ = runner.run(machine(["States.TaskFailed"]), {"seconds": 6})
    assert (described["status"], described["error"]) == ("FAILED", "States.Timeout")
    described, _ = runner.run(machine(["States.ALL"]), {"seconds": 6})
    assert output_of(described) == "cleaned"


def test_task_failed_matches_function_errors(runner: Runner, lab_fn: Any) -> None:
    definition = {
        "StartAt": "Validate",
        "States": {
            "Validate": task(
                lab_fn("validate_order"),
                Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Fallback"}],
            ),
            "Fallback": {"Type": "Pass", "Result": "fallback", "End": True},
        },
    }
    assert output_of(runner.run(definition, {"items": []})[0]) == "fallback"


def test_missing_function_fails_with_resource_not_found(runner: Runner, aws: Any) -> None:
    missing = f"arn:aws:lambda:{aws.region}:123456789012:function:no-such-function"
    for state in (task(missing), task(INVOKE, Parameters={"FunctionName": missing, "Payload": {}})):
        described, events = runner.run(one_state(state))
        assert described["error"] == "Lambda.ResourceNotFoundException"
        assert described["cause"].startswith(f"Function not found: {missing}")
        assert "Error Code: ResourceNotFoundException" in described["cause"]
        assert events.failed_state == "Only"
