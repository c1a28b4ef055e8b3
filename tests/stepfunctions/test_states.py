"""Every state type runs for real: Pass, Task, Choice, Wait, Parallel, Map, Succeed, Fail."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.stepfunctions.conftest import Runner, one_state, output_of, task

INVOKE = "arn:aws:states:::lambda:invoke"


def test_pass_state_injects_result(runner: Runner) -> None:
    state = {"Type": "Pass", "Result": {"greeting": "hi"}, "ResultPath": "$.pass", "End": True}
    described, events = runner.run(one_state(state), {"keep": 1})
    assert output_of(described) == {"keep": 1, "pass": {"greeting": "hi"}}
    assert [r.type for r in events.rows] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]


def test_task_with_function_arn_runs_the_handler(runner: Runner, lab_fn: Any) -> None:
    arn = lab_fn("price_order")
    payload = {"items": [{"sku": "A", "qty": 2, "price": 3.0}]}
    described, events = runner.run(one_state(task(arn)), payload)
    assert output_of(described) == {"subtotal": 6.0, "shipping": 4.5, "total": 10.5}
    assert "LambdaFunctionSucceeded" in [r.type for r in events.rows]


def test_lambda_invoke_integration_with_qualifiers(runner: Runner, lam: Any, lab_fn: Any) -> None:
    arn = lab_fn("check_fraud")
    version = lam.publish_version(FunctionName=arn)["Version"]
    lam.create_alias(FunctionName=arn, Name="live", FunctionVersion=version)
    definition = {
        "StartAt": "ByAlias",
        "States": {
            "ByAlias": {
                "Type": "Task",
                "Resource": INVOKE,
                "Parameters": {"FunctionName": f"{arn}:live", "Payload.$": "$"},
                "ResultSelector": {"version.$": "$.ExecutedVersion", "body.$": "$.Payload"},
                "ResultPath": "$.alias",
                "Next": "ByQualifier",
            },
            "ByQualifier": {
                "Type": "Task",
                "Resource": INVOKE,
                "Parameters": {"FunctionName": arn, "Qualifier": version, "Payload": {"total": 9}},
                "ResultSelector": {"version.$": "$.ExecutedVersion", "status.$": "$.StatusCode"},
                "ResultPath": "$.qualified",
                "End": True,
            },
        },
    }
    out = output_of(runner.run(definition, {"total": 700})[0])
    assert out["alias"] == {"version": version, "body": {"fraudScore": 70, "suspicious": True}}
    assert out["qualified"] == {"version": version, "status": 200}


def choice_machine(default: bool) -> dict[str, Any]:
    choice: dict[str, Any] = {
        "Type": "Choice",
        "Choices": [
            {"Variable": "$.status", "StringEquals": "NEW", "Next": "IsNew"},
            {
                "And": [
                    {"Variable": "$.status", "StringEquals": "PAID"},
                    {"Variable": "$.total", "NumericGreaterThan": 100},
                ],
                "Next": "BigPaid",
            },
        ],
    }
    states = {
        "Route": choice,
        "IsNew": {"Type": "Pass", "Result": "new", "End": True},
        "BigPaid": {"Type": "Pass", "Result": "big", "End": True},
    }
    if default:
        choice["Default"] = "Other"
        states["Other"] = {"Type": "Pass", "Result": "other", "End": True}
    return {"StartAt": "Route", "States": states}


def test_choice_follows_the_first_matching_rule(runner: Runner) -> None:
    machine = choice_machine(default=True)
    assert output_of(runner.run(machine, {"status": "NEW"})[0]) == "new"
    assert output_of(runner.run(machine, {"status": "PAID", "total": 150})[0]) == "big"
    assert output_of(runner.run(machine, {"status": "PAID", "total": 50})[0]) == "other"


def test_choice_without_match_or_default_fails(runner: Runner) -> None:
    """Verifies: sfn.choice-no-match (States.NoChoiceMatched)."""
    described, events = runner.run(choice_machine(default=False), {"status": "REFUNDED"})
    assert described["status"] == "FAILED"
    assert described["error"] == "States.NoChoiceMatched"
    assert events.failed_state == "Route"


def test_wait_state_runs_on_the_lab_clock(runner: Runner, aws: Any) -> None:
    definition = {
        "StartAt": "Pause",
        "States": {
            "Pause": {"Type": "Wait", "Seconds": 60, "Next": "PauseFromInput"},
            "PauseFromInput": {"Type": "Wait", "SecondsPath": "$.delay", "End": True},
        },
    }
    began = time.monotonic()
    described, events = runner.run(definition, {"delay": 30})
    took = time.monotonic() - began
    expected = aws.clock.real_seconds(90)
    assert output_of(described) == {"delay": 30}
    # At least the lab-clock wait (AWS promises no less); far less than the 90 s of real time
    # (how much more than 1.5 s depends on the machine's load: not asserted tightly).
    assert expected * 0.9 <= took < 45
    waited = {v.state: v.duration_ms for v in events.visits}
    assert waited["Pause"] is not None and waited["Pause"] >= aws.clock.real_seconds(60) * 900


def test_parallel_output_is_an_array_in_branch_order(runner: Runner, lab_fn: Any) -> None:
    """Verifies: sfn.parallel-output-array (one element per branch, in branch order)."""
    slow = lab_fn("pack_item")
    branches = [
        {"StartAt": "Slow", "States": {"Slow": task(slow)}},
        {"StartAt": "Fraud", "States": {"Fraud": task(lab_fn("check_fraud"))}},
        {
            "StartAt": "Quote",
            "States": {"Quote": {"Type": "Pass", "Result": {"price": 12}, "End": True}},
        },
    ]
    definition = one_state({"Type": "Parallel", "Branches": branches, "End": True})
    out = output_of(runner.run(definition, {"sku": "A", "qty": 4, "delay": 0.3, "total": 90})[0])
    assert out == [
        {"sku": "A", "parcels": 2, "packed": True},
        {"fraudScore": 9, "suspicious": False},
        {"price": 12},
    ]


def map_machine(max_concurrency: int) -> dict[str, Any]:
    return {
        "StartAt": "PackAll",
        "States": {
            "PackAll": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": max_concurrency,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Pack",
                    "States": {"Pack": {"Type": "Task", "Resource": "PACK", "End": True}},
                },
                "End": True,
            }
        },
    }


def _with(definition: dict[str, Any], resource: str) -> dict[str, Any]:
    return json.loads(json.dumps(definition).replace('"PACK"', json.dumps(resource)))


def test_map_output_keeps_input_order(runner: Runner, lab_fn: Any) -> None:
    """Verifies: sfn.map-output-array (results in input order, not completion order)."""
    items = [
        {"sku": "a", "qty": 2, "delay": 0.4},
        {"sku": "b", "qty": 4, "delay": 0},
        {"sku": "c", "qty": 6, "delay": 0},
    ]
    definition = _with(map_machine(0), lab_fn("pack_item"))
    out = output_of(runner.run(definition, {"items": items})[0])
    assert [o["sku"] for o in out] == ["a", "b", "c"]
    assert [o["parcels"] for o in out] == [1, 2, 3]


def test_map_max_concurrency_bounds_parallel_iterations(runner: Runner, lab_fn: Any) -> None:
    items = [{"sku": s, "qty": 1, "delay": 0.3} for s in "abcd"]
    definition = _with(map_machine(1), lab_fn("pack_item"))
    began = time.monotonic()
    output_of(runner.run(definition, {"items": items})[0])
    one_at_a_time = time.monotonic() - began
    definition = _with(map_machine(4), lab_fn("pack_item"))
    began = time.monotonic()
    output_of(runner.run(definition, {"items": items})[0])
    all_at_once = time.monotonic() - began
    assert one_at_a_time >= 4 * 0.3
    assert all_at_once < one_at_a_time - 0.4


def test_map_over_a_non_list_fails_and_says_why(runner: Runner) -> None:
    definition = map_machine(0)
    definition["States"]["PackAll"]["ItemProcessor"]["States"]["Pack"] = {
        "Type": "Pass",
        "End": True,
    }
    described, events = runner.run(definition, {"items": {"sku": "a"}})
    assert described["status"] == "FAILED"
    assert described["error"] == "States.QueryEvaluationError"
    assert "must be an array" in described["cause"]
    assert "EvaluationFailed" in [r.type for r in events.rows]
    assert events.failed_state == "PackAll"


def test_succeed_state_ends_successfully(runner: Runner) -> None:
    described, events = runner.run(
        one_state({"Type": "Succeed", "OutputPath": "$.keep"}), {"keep": [1]}
    )
    assert output_of(described) == [1]
    assert events.status == "SUCCEEDED"


def test_fail_state_sets_error_and_cause(runner: Runner) -> None:
    """Verifies: sfn.fail-state-error-cause (status FAILED, the Fail state's Error and Cause)."""
    state = {"Type": "Fail", "Error": "OrderRejected", "Cause": "Credit check failed"}
    described, events = runner.run(one_state(state))
    assert described["status"] == "FAILED"
    assert (described["error"], described["cause"]) == ("OrderRejected", "Credit check failed")
    assert events.rows[-1].type == "ExecutionFailed"
    assert events.failed_state == "Only"
