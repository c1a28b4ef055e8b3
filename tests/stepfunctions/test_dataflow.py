"""JSONPath data flow (InputPath, Parameters, ResultSelector, ResultPath, OutputPath), the
context object, and JSONata (Arguments, Output, Assign) through real executions."""

from __future__ import annotations

from typing import Any

from tests.stepfunctions.conftest import Runner, one_state, output_of, task

ORDER = {
    "orderId": 7,
    "customer": {"name": "Ana", "tier": "gold"},
    "items": [{"sku": "A", "qty": 2, "price": 5.0}],
}


def test_each_jsonpath_field_in_turn(runner: Runner, lab_fn: Any) -> None:
    state = task(
        lab_fn("price_order"),
        InputPath="$.order",
        Parameters={"items.$": "$.items", "note": "fixed"},
        ResultSelector={"amount.$": "$.total"},
        ResultPath="$.price",
        OutputPath="$.price",
    )
    out = output_of(runner.run(one_state(state), {"order": ORDER, "other": 1})[0])
    assert out == {"amount": 14.5}


def test_input_path_and_parameters_shape_what_the_function_sees(
    runner: Runner, lab_fn: Any
) -> None:
    state = task(
        lab_fn("check_fraud"), InputPath="$.order", Parameters={"total.$": "$.items[0].price"}
    )
    _, events = runner.run(one_state(state), {"order": ORDER})
    scheduled = [r for r in events.rows if r.type == "LambdaFunctionScheduled"]
    assert '{"total": 5.0}' in scheduled[0].detail


def test_result_path_merges_the_result_into_the_input(runner: Runner, lab_fn: Any) -> None:
    """Verifies: sfn.resultpath-merge (input kept, result under $.payment)."""
    state = task(lab_fn("charge_card"), ResultPath="$.payment")
    out = output_of(runner.run(one_state(state), {"orderId": 7, "amount": 10})[0])
    assert out == {
        "orderId": 7,
        "amount": 10,
        "payment": {"charged": 10, "attempt": 1, "status": "PAID"},
    }


def test_result_path_null_discards_the_result(runner: Runner, lab_fn: Any) -> None:
    """Verifies: sfn.resultpath-null (output == input, function result ignored)."""
    state = task(lab_fn("check_fraud"), ResultPath=None)
    payload = {"total": 900, "keep": "me"}
    assert output_of(runner.run(one_state(state), payload)[0]) == payload


def test_default_output_is_the_result_alone(runner: Runner, lab_fn: Any) -> None:
    state = task(lab_fn("check_fraud"))
    assert output_of(runner.run(one_state(state), {"total": 100, "x": 1})[0]) == {
        "fraudScore": 10,
        "suspicious": False,
    }


def test_context_object_and_intrinsic_functions(runner: Runner) -> None:
    state = {
        "Type": "Pass",
        "Parameters": {
            "state.$": "$$.State.Name",
            "execution.$": "$$.Execution.Name",
            "greeting.$": "States.Format('Hello {}', $.customer.name)",
            "count.$": "States.ArrayLength($.items)",
        },
        "End": True,
    }
    out = output_of(runner.run(one_state(state), ORDER)[0])
    assert out["state"] == "Only"
    assert out["greeting"] == "Hello Ana"
    assert out["count"] == 1
    assert len(out["execution"]) >= 8


def test_missing_path_fails_with_states_runtime(runner: Runner) -> None:
    state = {"Type": "Pass", "InputPath": "$.nothing.here", "End": True}
    described, _ = runner.run(one_state(state), {"a": 1})
    assert described["status"] == "FAILED"
    assert described["error"] == "States.Runtime"


def test_jsonata_arguments_output_and_assign(runner: Runner, lab_fn: Any) -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Price",
        "States": {
            "Price": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {
                    "FunctionName": lab_fn("price_order"),
                    "Payload": {"items": "{% $states.input.items %}"},
                },
                "Assign": {"customer": "{% $states.input.customer.name %}"},
                "Output": {"total": "{% $states.result.Payload.total %}"},
                "Next": "Label",
            },
            "Label": {
                "Type": "Pass",
                "Output": {"line": "{% $customer & ' pays ' & $string($states.input.total) %}"},
                "End": True,
            },
        },
    }
    assert output_of(runner.run(definition, ORDER)[0]) == {"line": "Ana pays 14.5"}
