"""Step Functions scenarios: executions, their histories, DescribeExecution and errors.

As LocalStack's recorder did, JSON strings in ``input``/``output`` fields are parsed, and an
error caught as an exception is kept as its type name and message."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from botocore.exceptions import ClientError

from tests.parity.harness import Context, call

PASS = {
    "StartAt": "State_1",
    "States": {"State_1": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}},
}
WAIT = {"StartAt": "State_1", "States": {"State_1": {"Type": "Wait", "Seconds": 600, "End": True}}}
ROLE_MARK = "snf_role_arn"


def parsed(value: Any) -> Any:
    """``input``/``output`` JSON strings parsed, recursively (LocalStack's recorder did)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("input", "output", "cause") and isinstance(item, str):
                try:
                    item = json.loads(item)
                except ValueError:
                    pass
            out[key] = parsed(item)
        return out
    if isinstance(value, list):
        return [parsed(item) for item in value]
    return value


def _role(ctx: Context) -> str:
    return ctx.role


def _machine(ctx: Context, definition: dict[str, Any]) -> tuple[dict[str, Any], str]:
    sfn = ctx.client("stepfunctions")
    created = call(
        sfn.create_state_machine, name=ctx.name("sm"), definition=json.dumps(definition),
        roleArn=_role(ctx),
    )  # fmt: skip
    return created, str(created["stateMachineArn"])


def _finished(ctx: Context, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
    sfn = ctx.client("stepfunctions")
    deadline = time.monotonic() + timeout
    described: dict[str, Any] = {}
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            break
        time.sleep(0.05)
    return described


def _history(ctx: Context, execution_arn: str) -> dict[str, Any]:
    history = call(ctx.client("stepfunctions").get_execution_history, executionArn=execution_arn)
    text = json.dumps(parsed(history), default=str).replace(_role(ctx), ROLE_MARK)
    result: dict[str, Any] = json.loads(text)
    return result


def start_execution(ctx: Context) -> dict[str, Any]:
    sfn = ctx.client("stepfunctions")
    created, arn = _machine(ctx, PASS)
    started = call(sfn.start_execution, stateMachineArn=arn)
    _finished(ctx, started["executionArn"])
    return {
        "creation_resp": created,
        "exec_resp": started,
        "exec_list_resp": call(sfn.list_executions, stateMachineArn=arn),
        "exec_hist_resp": _history(ctx, started["executionArn"]),
    }


def describe_execution(ctx: Context) -> dict[str, Any]:
    sfn = ctx.client("stepfunctions")
    created, arn = _machine(ctx, PASS)
    started = call(sfn.start_execution, stateMachineArn=arn)
    _finished(ctx, started["executionArn"])
    described = parsed(call(sfn.describe_execution, executionArn=started["executionArn"]))
    return {"creation_resp": created, "exec_resp": started, "describe_execution": described}


def stop_execution(ctx: Context) -> dict[str, Any]:
    sfn = ctx.client("stepfunctions")
    created, arn = _machine(ctx, WAIT)
    started = call(sfn.start_execution, stateMachineArn=arn)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # stop once the Wait state was entered, as recorded
        events = sfn.get_execution_history(executionArn=started["executionArn"])["events"]
        if any(e["type"] == "WaitStateEntered" for e in events):
            break
        time.sleep(0.05)
    stopped = call(sfn.stop_execution, executionArn=started["executionArn"])
    _finished(ctx, started["executionArn"])
    return {
        "creation_resp": created,
        "exec_resp": started,
        "stop_res": stopped,
        "exec_hist_resp": _history(ctx, started["executionArn"]),
    }


def start_execution_idempotent(ctx: Context) -> dict[str, Any]:
    sfn = ctx.client("stepfunctions")
    created, arn = _machine(ctx, WAIT)
    name = ctx.name("exec")
    started = call(sfn.start_execution, stateMachineArn=arn, name=name, input="{}")
    again = call(sfn.start_execution, stateMachineArn=arn, name=name, input="{}")
    other = call(sfn.start_execution, stateMachineArn=arn, name=name, input='{"a": 1}')
    stopped = call(sfn.stop_execution, executionArn=started["executionArn"])
    return {
        "creation_resp": created,
        "exec_resp": started,
        "exec_resp_idempotent": again,
        "start_exec_already_exists": other,
        "stop_res": stopped,
    }


def invalid_definition(ctx: Context) -> dict[str, Any]:
    sfn = ctx.client("stepfunctions")
    return {
        "invalid_definition_1": call(
            sfn.create_state_machine,
            name=ctx.name("sm"),
            definition=json.dumps({"StartAt": "A"}),
            roleArn=_role(ctx),
        )  # fmt: skip
    }


def _exception(operation: Any, marker: str, value: str, **params: Any) -> dict[str, Any]:
    """An error as LocalStack recorded a caught exception: its type and message."""
    try:
        operation(**params)
    except ClientError as error:
        text = re.sub(r" \(reached max retries: \d+\)", "", str(error)).replace(value, marker)
        return {"exception_typename": error.response["Error"]["Code"], "exception_value": text}
    return {"exception_typename": None, "exception_value": "no error"}


def describe_execution_not_found(ctx: Context) -> dict[str, Any]:
    arn = f"arn:aws:states:us-east-1:123456789012:execution:{ctx.name('sm')}:{ctx.name('x')}"
    sfn = ctx.client("stepfunctions")
    return {
        "exception": _exception(
            sfn.describe_execution, "invalid_execution_arn", arn, executionArn=arn
        )
    }


def history_execution_not_found(ctx: Context) -> dict[str, Any]:
    arn = f"arn:aws:states:us-east-1:123456789012:execution:{ctx.name('sm')}:{ctx.name('x')}"
    sfn = ctx.client("stepfunctions")
    return {
        "exception": _exception(
            sfn.get_execution_history, "invalid_execution_arn", arn, executionArn=arn
        )
    }


def describe_execution_invalid_arn(ctx: Context) -> dict[str, Any]:
    sfn = ctx.client("stepfunctions")
    value = "invalid_state_machine_arn"
    return {"exception": _exception(sfn.describe_execution, value, value, executionArn=value)}


RAISES = 'def handler(event, context):\n    raise Exception("Some exception was raised.")\n'


def lambda_task_raises(ctx: Context) -> dict[str, Any]:
    """A Task on a function ARN whose handler raises; the Catch does not match."""
    sfn = ctx.client("stepfunctions")
    function = ctx.create_function(RAISES)
    name = function["FunctionName"]
    definition = {
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Task",
                "Resource": function["FunctionArn"],
                "Catch": [{"ErrorEquals": ["SomeUnknownException"], "Next": "EndWithCaught"}],
                "End": True,
            },
            "EndWithCaught": {"Type": "Pass", "End": True},
        },
    }
    _, arn = _machine(ctx, definition)
    started = sfn.start_execution(
        stateMachineArn=arn, input=json.dumps({"FunctionName": name, "Payload": None})
    )
    _finished(ctx, started["executionArn"])
    history = _history(ctx, started["executionArn"])
    text = json.dumps(history).replace(name, "<lambda_function_name>")
    return {"get_execution_history": json.loads(text)}
