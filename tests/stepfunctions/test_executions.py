"""Executions through the API: history events, names, stop, list, Standard vs Express,
and definitions rejected with AWS's InvalidDefinition."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.stepfunctions.wait import wait_for_execution
from tests.stepfunctions.conftest import Runner, one_state, output_of, task

INVOKE = "arn:aws:states:::lambda:invoke"


def test_history_event_names_for_a_lambda_invoke_task(runner: Runner, lab_fn: Any) -> None:
    """Verifies: sfn.history-event-names (ExecutionStarted first; Entered, Scheduled, Started,
    Succeeded, Exited)."""
    state = task(INVOKE, Parameters={"FunctionName": lab_fn("check_fraud"), "Payload.$": "$"})
    _, events = runner.run(one_state(state), {"total": 1})
    assert [r.type for r in events.rows] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    assert [r.id for r in events.rows] == list(range(1, 8))


def test_same_name_and_input_while_running_is_idempotent(runner: Runner, sfn: Any) -> None:
    """Verifies: sfn.execution-name-idempotent (same name + input on a running execution)."""
    machine = runner.machine(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}
    )
    first = runner.start(machine, {"orderId": 1}, name="order-1")
    again = runner.start(machine, {"orderId": 1}, name="order-1")
    assert again == first
    with pytest.raises(ClientError) as caught:
        runner.start(machine, {"orderId": 2}, name="order-1")
    assert caught.value.response["Error"]["Code"] == "ExecutionAlreadyExists"
    wait_for_execution(sfn, first, timeout=60, progress=False)
    with pytest.raises(ClientError) as caught:
        runner.start(machine, {"orderId": 1}, name="order-1")
    assert caught.value.response["Error"]["Code"] == "ExecutionAlreadyExists"


def test_stop_execution_aborts_it(runner: Runner, sfn: Any) -> None:
    machine = runner.machine(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 36000, "End": True}}}
    )
    arn = runner.start(machine)
    time.sleep(0.05)
    stopped = sfn.stop_execution(executionArn=arn, error="Manual", cause="operator")
    assert "stopDate" in stopped
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "ABORTED"
    types = [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]
    assert types[-1] == "ExecutionAborted"
    listed = sfn.list_executions(stateMachineArn=machine, statusFilter="ABORTED")["executions"]
    assert [e["executionArn"] for e in listed] == [arn]


def test_many_executions_of_one_machine_at_once(runner: Runner, sfn: Any, lab_fn: Any) -> None:
    machine = runner.machine(one_state(task(lab_fn("check_fraud"))))
    arns = [runner.start(machine, {"total": n * 10}) for n in range(8)]
    scores = [
        json.loads(wait_for_execution(sfn, a, progress=False)["output"])["fraudScore"] for a in arns
    ]
    assert scores == list(range(8))
    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == 8


def test_express_runs_synchronously_and_keeps_no_history(
    runner: Runner, sfn: Any, lab_fn: Any
) -> None:
    definition = one_state(task(lab_fn("price_order")))
    express = runner.machine(definition, kind="EXPRESS")
    result = sfn.start_sync_execution(
        stateMachineArn=express, input=json.dumps({"items": [{"qty": 1, "price": 2.0}]})
    )
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"subtotal": 2.0, "shipping": 4.5, "total": 6.5}
    assert ":express:" in result["executionArn"]
    assert result["billingDetails"]["billedDurationInMilliseconds"] % 100 == 0
    for call in (sfn.describe_execution, sfn.get_execution_history):
        with pytest.raises(ClientError) as caught:
            call(executionArn=result["executionArn"])
        assert caught.value.response["Error"]["Code"] == "InvalidArn"
    failed = sfn.start_sync_execution(stateMachineArn=express, input=json.dumps({"items": "x"}))
    assert failed["status"] == "FAILED"
    assert failed["error"] == "TypeError"


def test_express_async_start_returns_an_express_arn(runner: Runner, sfn: Any) -> None:
    express = runner.machine(one_state({"Type": "Pass", "End": True}), kind="EXPRESS")
    started = sfn.start_execution(stateMachineArn=express, input="{}")
    assert ":express:" in started["executionArn"]


def test_sync_start_of_a_standard_machine_is_refused(runner: Runner, sfn: Any) -> None:
    standard = runner.machine(one_state({"Type": "Pass", "End": True}))
    with pytest.raises(ClientError) as caught:
        sfn.start_sync_execution(stateMachineArn=standard, input="{}")
    assert caught.value.response["Error"]["Code"] == "StateMachineTypeNotSupported"


@pytest.mark.parametrize(
    ("definition", "code", "where"),
    [
        ("not json", "INVALID_JSON_DESCRIPTION", "/"),
        (
            '{"StartAt": "X", "States": {"A": {"Type": "Pass", "End": true}}}',
            "MISSING_TRANSITION_TARGET",
            "/StartAt",
        ),
        (
            '{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}',
            "MISSING_TRANSITION_TARGET",
            "/States/A/Next",
        ),
        (
            '{"StartAt": "A", "States": {"A": {"Type": "Sleep", "End": true}}}',
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Type",
        ),
        (
            '{"StartAt": "A", "States": {"A": {"Type": "Pass"}}}',
            "SCHEMA_VALIDATION_FAILED",
            "/States/A",
        ),
        (
            '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Retries": 3}}}',
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Retries",
        ),
    ],
)
def test_bad_definitions_are_invalid_definition(
    sfn: Any, role: str, definition: str, code: str, where: str
) -> None:
    with pytest.raises(ClientError) as caught:
        sfn.create_state_machine(
            name=f"bad-{uuid.uuid4().hex[:8]}", definition=definition, roleArn=role
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidDefinition"
    assert error["Message"].startswith("Invalid State Machine Definition: ")
    assert f"{code}: " in error["Message"] and f" at {where}" in error["Message"]


def test_update_with_a_bad_definition_is_refused(runner: Runner, sfn: Any) -> None:
    machine = runner.machine(one_state({"Type": "Pass", "End": True}))
    with pytest.raises(ClientError) as caught:
        sfn.update_state_machine(
            stateMachineArn=machine, definition='{"StartAt": "Nope", "States": {}}'
        )
    assert caught.value.response["Error"]["Code"] == "InvalidDefinition"
    assert output_of(wait_for_execution(sfn, runner.start(machine, {"a": 1}), progress=False)) == {
        "a": 1
    }
