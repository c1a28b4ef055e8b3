"""``arn:aws:states:::states:startExecution`` (and ``.sync``, ``.sync:2``): a parent state
machine starts a child; the task's output has the shape AWS documents for each pattern."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.stepfunctions.conftest import Runner, one_state, output_of, task

CHILD = {
    "StartAt": "Greet",
    "States": {
        "Greet": {
            "Type": "Pass",
            "Parameters": {"greeting.$": "States.Format('hello {}', $.who)"},
            "End": True,
        }
    },
}


def _parent(runner: Runner, resource: str, child: str) -> dict[str, Any]:
    state = task(
        resource,
        Parameters={
            "StateMachineArn": child,
            "Input": {
                "who": "world",
                "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
            },
        },
    )
    described, _ = runner.run(one_state(state), {})
    result: dict[str, Any] = output_of(described)
    return result


@pytest.mark.parametrize("kind", ["STANDARD", "EXPRESS"])
def test_start_execution_returns_the_arn_and_start_date(runner: Runner, kind: str) -> None:
    child = runner.machine(CHILD, kind)
    out = _parent(runner, "arn:aws:states:::states:startExecution", child)
    assert {"ExecutionArn", "StartDate"} <= set(out)
    assert isinstance(out["StartDate"], int)  # epoch milliseconds, as AWS's task output
    assert out["ExecutionArn"].startswith("arn:aws:states:")
    if kind == "EXPRESS":  # Express executions cannot be described, on AWS too
        assert ":express:" in out["ExecutionArn"]
        return
    described = runner.sfn.describe_execution(executionArn=out["ExecutionArn"])
    assert json.loads(described["input"])["who"] == "world"


def test_sync_output_is_the_child_description_with_strings(runner: Runner) -> None:
    child = runner.machine(CHILD)
    out = _parent(runner, "arn:aws:states:::states:startExecution.sync", child)
    assert out["Status"] == "SUCCEEDED"
    assert out["StateMachineArn"] == child
    assert isinstance(out["Output"], str)
    assert json.loads(out["Output"]) == {"greeting": "hello world"}
    assert isinstance(out["Input"], str) and json.loads(out["Input"])["who"] == "world"


def test_sync2_output_is_the_child_description_with_json(runner: Runner) -> None:
    child = runner.machine(CHILD)
    out = _parent(runner, "arn:aws:states:::states:startExecution.sync:2", child)
    assert out["Status"] == "SUCCEEDED"
    assert out["Output"] == {"greeting": "hello world"}
    assert out["Input"]["who"] == "world"
    assert out["OutputDetails"] == {"Included": True}


def test_sync_fails_the_parent_when_the_child_fails(runner: Runner) -> None:
    child = runner.machine(one_state({"Type": "Fail", "Error": "Child.Broke", "Cause": "no"}))
    state = task(
        "arn:aws:states:::states:startExecution.sync:2",
        Parameters={"StateMachineArn": child, "Input": {}},
    )
    described, _ = runner.run(one_state(state), {})
    assert described["status"] == "FAILED"
    assert described["error"] == "States.TaskFailed"
    assert "Child.Broke" in described["cause"]
