"""The learner-facing helpers: validator, mermaid diagram with the path, history table, wait."""

from __future__ import annotations

from typing import Any

import pytest

from lablib.aws.moto_bridge import stepfunctions as bridge
from lablib.stepfunctions.diagram import diagram
from lablib.stepfunctions.validate import DefinitionError, problems, validate
from lablib.stepfunctions.wait import ExecutionTimeout, wait_for_execution
from tests.stepfunctions.conftest import Runner, task

FLOW = {
    "StartAt": "Validate",
    "States": {
        "Validate": {
            "Type": "Task",
            "Resource": "VALIDATE",
            "Catch": [{"ErrorEquals": ["InvalidOrder"], "ResultPath": "$.error", "Next": "Reject"}],
            "Next": "Route",
        },
        "Route": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.express", "BooleanEquals": True, "Next": "Fast"}],
            "Default": "Both",
        },
        "Fast": {"Type": "Pass", "End": True},
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 1, "End": True}}},
            ],
            "End": True,
        },
        "Reject": {"Type": "Fail", "Error": "Rejected"},
    },
}


def with_validator(arn: str) -> dict[str, Any]:
    import json

    return dict(json.loads(json.dumps(FLOW).replace('"VALIDATE"', json.dumps(arn))))


def test_patch_points_are_where_the_bridge_expects_them() -> None:
    bridge.check_patch_points()


def test_validator_reports_every_problem_with_a_pointer() -> None:
    bad = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Next": "Gone", "Catch": [{"ErrorEquals": [], "Next": "B"}]},
            "B": {"Type": "Choice", "Choices": [{"Next": "A"}]},
            "C": {"Type": "Succeed", "End": True},
        },
    }
    found = {(p.code, p.where) for p in problems(bad)}
    assert found == {
        ("MISSING_TRANSITION_TARGET", "/States/A/Next"),
        ("SCHEMA_VALIDATION_FAILED", "/States/A/Resource"),
        ("SCHEMA_VALIDATION_FAILED", "/States/A/Catch/0/ErrorEquals"),
        ("SCHEMA_VALIDATION_FAILED", "/States/B/Choices/0"),
        ("SCHEMA_VALIDATION_FAILED", "/States/C/End"),
    }
    with pytest.raises(DefinitionError, match="5 problem"):
        validate(bad)
    # Unreachable states are reported once the links themselves are sound.
    island = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "End": True}, "B": {"Type": "Pass", "End": True}},
    }
    assert [(p.code, p.where, p.message) for p in problems(island)] == [
        ("MISSING_TRANSITION_TARGET", "/States/B", 'State "B" is not reachable')
    ]


def test_validator_accepts_nested_and_jsonata_machines() -> None:
    assert problems(with_validator("arn:aws:lambda:us-east-1:1:function:f")) == []
    jsonata = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Output": "{% 1 %}", "Assign": {"x": 1}, "End": True}},
    }
    assert problems(jsonata) == []
    nested_bad = {
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "ItemProcessor": {"StartAt": "X", "States": {}}, "End": True}
        },
    }
    assert {p.where for p in problems(nested_bad)} == {"/States/M/ItemProcessor/States"}


def test_diagram_of_a_definition() -> None:
    shown = diagram(with_validator("fn"))
    assert shown.source.startswith("flowchart TD")
    assert shown._repr_markdown_().startswith("```mermaid\n")
    assert '{"Route<br/><small>Choice</small>"}' in shown.source
    assert "-.->|Catch InvalidOrder|" in shown.source
    assert "|$.express == true|" in shown.source
    assert "subgraph" in shown.source and "Both: Branch 2" in shown.source
    assert "- Validate (Task)" in str(shown)


def test_diagram_highlights_the_path_and_the_failed_state(runner: Runner, lab_fn: Any) -> None:
    definition = with_validator(lab_fn("validate_order"))
    _, ok = runner.run(definition, {"items": [{"sku": "a", "qty": 1}], "express": False})
    assert ok.path[:2] == ["Validate", "Route"] and set(ok.path[2:]) == {"Both", "A", "B"}
    lit = diagram(definition, ok).source
    visited = next(
        line for line in lit.splitlines() if line.strip().startswith("class ") and "visited" in line
    )
    assert len(visited.split()[1].split(",")) >= 5
    assert "linkStyle" in lit and "failed" not in visited
    _, failed = runner.run(definition, {"items": []})
    assert failed.status == "FAILED" and failed.failed_state == "Reject"
    assert failed.error_states == {"Validate"}
    red = diagram(definition, failed).source
    assert any(line.strip().endswith(" failed") for line in red.splitlines())
    assert any(line.strip().endswith(" recovered") for line in red.splitlines())


def test_history_table_in_three_formats(runner: Runner, lab_fn: Any) -> None:
    _, events = runner.run(
        {"StartAt": "T", "States": {"T": task(lab_fn("check_fraud"))}}, {"total": 5}
    )
    markdown = events.to_markdown()
    assert markdown.splitlines()[0] == "| # | ms | event | state | detail |"
    assert "LambdaFunctionSucceeded" in markdown
    assert events.to_html().startswith("<table>")
    assert "ExecutionSucceeded" in str(events)
    assert "| T | Task |" in events.timings()
    assert events.visits[0].duration_ms is not None and events.duration_ms >= 0


def test_wait_helper_times_out_with_advice(runner: Runner, sfn: Any) -> None:
    machine = runner.machine(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 36000, "End": True}}}
    )
    arn = runner.start(machine)
    with pytest.raises(ExecutionTimeout, match="still RUNNING"):
        wait_for_execution(sfn, arn, timeout=0.2, progress=False)
    sfn.stop_execution(executionArn=arn)
