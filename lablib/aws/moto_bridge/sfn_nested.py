"""Step Functions starting Step Functions (``arn:aws:states:::states:startExecution``, with
``.sync`` and ``.sync:2``): moto's port of the interpreter calls boto3 with the task's
PascalCase parameters (``StateMachineArn``, ``Input``) where the Step Functions API wants
camelCase, and hands boto3's camelCase response to the state. Here the parameters are
renamed for the call and the result is given the shape AWS documents for the task:
``{"ExecutionArn", "StartDate"}`` for the plain pattern, the child's DescribeExecution in
PascalCase for ``.sync`` (Input and Output as JSON strings) and ``.sync:2`` (parsed JSON);
dates are epoch milliseconds, as AWS's task output shows them.
"""

from __future__ import annotations

import datetime
from typing import Any

from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_sfn as sfn_task,
)

_NESTED = ("inputDetails", "outputDetails")
_patched = False


def _pascal(value: dict[str, Any]) -> dict[str, Any]:
    """Top-level keys (and the details objects) in PascalCase; user JSON is left alone."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, datetime.datetime):
            item = int(item.timestamp() * 1000)
        elif key in _NESTED and isinstance(item, dict):
            item = _pascal(item)
        out[key[:1].upper() + key[1:]] = item
    return out


def install() -> None:
    global _patched
    if _patched:
        return
    task = sfn_task.StateTaskServiceSfn
    for attr in ("_normalise_parameters", "_eval_service_task", "_build_sync_resolver"):
        if not hasattr(task, attr):
            raise RuntimeError(f"moto moved StateTaskServiceSfn.{attr}")
    original_parameters = task._normalise_parameters
    original_eval = task._eval_service_task

    def normalise_parameters(
        self: Any,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        original_parameters(self, parameters, boto_service_name, service_action_name)
        if service_action_name is None:
            renamed = {key[:1].lower() + key[1:]: item for key, item in parameters.items()}
            parameters.clear()
            parameters.update(renamed)

    def normalise_response(
        self: Any,
        response: Any,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        if isinstance(response, dict):
            renamed = _pascal(response)
            response.clear()
            response.update(renamed)

    def eval_service_task(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        original_eval(self, env, *args, **kwargs)
        if env.stack and isinstance(env.stack[-1], dict):
            normalise_response(self, env.stack[-1])

    task._normalise_parameters = normalise_parameters  # type: ignore[method-assign]
    task._normalise_response = normalise_response  # type: ignore[method-assign]
    task._eval_service_task = eval_service_task  # type: ignore[method-assign]
    _patched = True
