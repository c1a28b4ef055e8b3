"""GetExecutionHistory honours reverseOrder, maxResults and nextToken (sample apps and the
console read the last events first)."""

from __future__ import annotations

import json
import time

from lablib.aws.server import LocalAWS

from .conftest import NO_RETRY


def test_history_reverse_order_and_paging(aws: LocalAWS, stack_name: str) -> None:
    sfn = aws.client("stepfunctions", config=NO_RETRY)
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(3)}
    states["S3"] = {"Type": "Pass", "End": True}
    machine = sfn.create_state_machine(
        name=stack_name,
        definition=json.dumps({"StartAt": "S0", "States": states}),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    deadline = time.monotonic() + 30
    while sfn.describe_execution(executionArn=run)["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    everything = sfn.get_execution_history(executionArn=run)["events"]
    assert everything[0]["type"] == "ExecutionStarted"
    newest_first = sfn.get_execution_history(executionArn=run, reverseOrder=True)["events"]
    assert [e["id"] for e in newest_first] == [e["id"] for e in reversed(everything)]
    assert newest_first[0]["type"] == "ExecutionSucceeded"
    pages, token = [], None
    for _ in range(len(everything)):
        kwargs = {"nextToken": token} if token else {}
        answer = sfn.get_execution_history(executionArn=run, maxResults=3, **kwargs)
        assert len(answer["events"]) <= 3
        pages += answer["events"]
        token = answer.get("nextToken")
        if not token:
            break
    assert [e["id"] for e in pages] == [e["id"] for e in everything]
