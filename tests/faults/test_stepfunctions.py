"""Step Functions work that never ends is bounded as on AWS: 25,000 history events, 256 KB
payloads, 40 concurrent inline Map iterations, StopExecution that really stops, and a
history that pages."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.aws.server import LocalAWS
from tests.faults.conftest import wait_for
from tests.support import NO_RETRY

ROLE = "arn:aws:iam::123456789012:role/sfn"


@pytest.fixture(scope="module")
def sfn(aws: LocalAWS) -> Any:
    return aws.client("stepfunctions", config=NO_RETRY)


def machine(sfn: Any, name: str, definition: dict[str, Any]) -> str:
    arn: str = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    return arn


def finished(sfn: Any, arn: str, seconds: float = 300) -> dict[str, Any]:
    box: list[dict[str, Any]] = []

    def done() -> bool:
        box[:] = [sfn.describe_execution(executionArn=arn)]
        return bool(box[0]["status"] != "RUNNING")

    wait_for(done, seconds=seconds, what=f"execution {arn} to end", every=0.5)
    return box[0]


# 25,000 events run and are paged back 1,000 at a time: CPU-bound; over 300 s at load 10+
@pytest.mark.timeout(900)
def test_an_endless_loop_fails_at_25000_history_events(sfn: Any) -> None:
    arn = machine(
        sfn, "endless", {"StartAt": "Again", "States": {"Again": {"Type": "Pass", "Next": "Again"}}}
    )
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    result = finished(sfn, execution, seconds=600)
    assert result["status"] == "FAILED"
    assert result["error"] == "States.Runtime"
    assert "maximum number of history events (25000)" in result["cause"]
    # The history pages: 100 by default, up to 1,000, newest first on request.
    first = sfn.get_execution_history(executionArn=execution)
    assert len(first["events"]) == 100 and first["events"][0]["id"] == 1 and "nextToken" in first
    newest = sfn.get_execution_history(executionArn=execution, reverseOrder=True, maxResults=1)
    assert newest["events"][0]["id"] == 25_000
    assert newest["events"][0]["type"] == "ExecutionFailed"
    ids: list[int] = []
    token: dict[str, str] = {}
    for _ in range(30):
        page = sfn.get_execution_history(executionArn=execution, maxResults=1000, **token)
        ids += [event["id"] for event in page["events"]]
        if "nextToken" not in page:
            break
        token = {"nextToken": page["nextToken"]}
    assert ids == list(range(1, 25_001))
    with pytest.raises(ClientError) as caught:
        sfn.get_execution_history(executionArn=execution, nextToken="not-a-token")
    assert caught.value.response["Error"]["Code"] == "InvalidToken"


def test_payloads_over_256_kb_are_refused(sfn: Any) -> None:
    arn = machine(
        sfn,
        "doubles",
        {
            "StartAt": "Double",
            "States": {
                "Double": {
                    "Type": "Pass",
                    "Parameters": {"a.$": "$.text", "b.$": "$.text"},
                    "End": True,
                }
            },
        },
    )
    with pytest.raises(ClientError) as caught:
        sfn.start_execution(stateMachineArn=arn, input=json.dumps({"text": "x" * 262_144}))
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"text": "x" * 140_000}))
    result = finished(sfn, execution["executionArn"])
    assert result["status"] == "FAILED" and result["error"] == "States.DataLimitExceeded"


def test_inline_map_runs_at_most_40_iterations_at_once(aws: LocalAWS, sfn: Any) -> None:
    arn = machine(
        sfn,
        "wide-map",
        {
            "StartAt": "Each",
            "States": {
                "Each": {
                    "Type": "Map",
                    "MaxConcurrency": 0,
                    "ItemProcessor": {
                        "StartAt": "Hold",
                        "States": {"Hold": {"Type": "Wait", "Seconds": 30, "End": True}},
                    },
                    "End": True,
                }
            },
        },
    )
    before = threading.active_count()
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.01):
            peak[0] = max(peak[0], threading.active_count())

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(list(range(311))))
        result = finished(sfn, execution["executionArn"])
    finally:
        stop.set()
        sampler.join()
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == list(range(311))
    # 40 iteration workers, each running its iteration on a thread of its own, plus the
    # execution's thread, the sampler and a few server threads: not two threads per item.
    assert peak[0] - before <= 2 * 40 + 10


def test_stop_execution_interrupts_jsonata(sfn: Any) -> None:
    arn = machine(
        sfn,
        "busy-jsonata",
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Busy",
            "States": {
                "Busy": {
                    "Type": "Pass",
                    "Output": "{% $reduce([1..3000000], function($a, $b) { $a + $b }) %}",
                    "End": True,
                }
            },
        },
    )
    already = {t for t in threading.enumerate() if "(eval)" in t.name}
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    wait_for(
        lambda: any("(eval)" in t.name for t in set(threading.enumerate()) - already),
        what="the execution's thread to start",
    )
    time.sleep(0.5)  # let it get into the evaluation
    sfn.stop_execution(executionArn=execution, error="Stop", cause="enough")
    result = sfn.describe_execution(executionArn=execution)
    assert result["status"] == "ABORTED"
    # The evaluating thread ends instead of burning CPU until the sum is done.
    wait_for(
        lambda: not any("(eval)" in t.name for t in set(threading.enumerate()) - already),
        seconds=60,
        what="the JSONata evaluation to stop",
    )
    history = sfn.get_execution_history(executionArn=execution, reverseOrder=True, maxResults=1)
    assert history["events"][0]["type"] == "ExecutionAborted"
