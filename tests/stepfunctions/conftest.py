"""Fixtures: the session-wide local AWS from the runtime tests, plus Step Functions helpers.

Everything goes through boto3 against the local endpoint; handler code comes from the lab's
real files in labs/functions/step-functions/ or from small inline handlers.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from lablib.stepfunctions.history import History, history
from lablib.stepfunctions.wait import wait_for_execution
from tests.lambda_rt.conftest import NO_RETRY, aws, lam, make_function, role

__all__ = ["aws", "lam", "make_function", "role"]

FUNCTIONS = Path(__file__).resolve().parents[2] / "labs" / "functions" / "step-functions"


@pytest.fixture(scope="package")
def sfn(aws: Any) -> Any:
    return aws.client("stepfunctions", config=NO_RETRY)


@pytest.fixture(scope="package")
def lab_fn(lam: Any, role: str) -> Any:
    """Deploy a lab handler file once per session; returns its function ARN."""
    deployed: dict[str, str] = {}

    def deploy(stem: str, timeout: int = 3) -> str:
        key = f"{stem}:{timeout}"
        if key not in deployed:
            from lablib.labs.step_functions.views import deploy_function

            name = f"sf-{stem.replace('_', '-')}-{timeout}"
            deployed[key] = deploy_function(lam, role, FUNCTIONS / f"{stem}.py", name, timeout)
        return deployed[key]

    return deploy


class Runner:
    def __init__(self, sfn: Any, role: str) -> None:
        self.sfn = sfn
        self.role = role

    def machine(self, definition: dict[str, Any], kind: str = "STANDARD") -> str:
        arn: str = self.sfn.create_state_machine(
            name=f"sm-{uuid.uuid4().hex[:12]}",
            definition=json.dumps(definition),
            roleArn=self.role,
            type=kind,
        )["stateMachineArn"]
        return arn

    def start(self, machine_arn: str, payload: Any = None, name: str | None = None) -> str:
        kwargs: dict[str, Any] = {
            "stateMachineArn": machine_arn,
            "input": json.dumps(payload or {}),
        }
        if name:
            kwargs["name"] = name
        arn: str = self.sfn.start_execution(**kwargs)["executionArn"]
        return arn

    def run(
        self, definition: dict[str, Any], payload: Any = None, timeout: float = 30
    ) -> tuple[dict[str, Any], History]:
        arn = self.start(self.machine(definition), payload)
        described = wait_for_execution(self.sfn, arn, timeout=timeout, progress=False)
        return described, history(self.sfn, arn)


@pytest.fixture(scope="package")
def runner(sfn: Any, role: str) -> Runner:
    return Runner(sfn, role)


def output_of(described: dict[str, Any]) -> Any:
    assert described["status"] == "SUCCEEDED", described
    return json.loads(described["output"])


def task(resource: str, **fields: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Resource": resource}
    state.update(fields)
    if "Next" not in state:
        state["End"] = True
    return state


def one_state(state: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "Only", "States": {"Only": state}}
