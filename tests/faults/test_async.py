"""Asynchronous invocation under faults: a slow function does not hold up a fast one, and
stopping the local AWS mid-work loses no accepted event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lablib.aws.server import LocalAWS
from tests.faults.conftest import wait_for
from tests.support import NO_RETRY, zip_of

HANDLER = """
import time
def handler(event, context):
    if event.get("fail"):
        raise ValueError("failing on purpose")
    time.sleep(event.get("sleep", 0))
    return {"done": event.get("n")}
"""


def _queue(aws: LocalAWS, name: str) -> tuple[Any, str, str]:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return sqs, url, arn


def _received(sqs: Any, url: str, seen: dict[str, Any]) -> int:
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        record = json.loads(message["Body"])
        seen[record["requestContext"]["requestId"]] = record
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return len(seen)


def test_slow_function_does_not_delay_a_fast_one(
    aws: LocalAWS, lam: Any, make_function: Any
) -> None:
    slow = make_function(HANDLER, Timeout=120)
    fast = make_function(HANDLER)
    sqs, url, arn = _queue(aws, "fast-done")
    lam.put_function_event_invoke_config(
        FunctionName=fast, DestinationConfig={"OnSuccess": {"Destination": arn}}
    )
    for n in range(24):  # three times the old shared pool of 8 threads
        lam.invoke(
            FunctionName=slow,
            InvocationType="Event",
            Payload=json.dumps({"sleep": 60, "n": n}).encode(),
        )
    wait_for(lambda: aws.scheduler.environments >= 8, what="the slow function's events to start")
    lam.invoke(FunctionName=fast, InvocationType="Event", Payload=b'{"n": "fast"}')
    seen: dict[str, Any] = {}
    # Delivered while every slow event is still queued or running (each runs 60 s).
    wait_for(lambda: _received(sqs, url, seen) == 1, seconds=30, what="the fast event")
    assert [record["responsePayload"] for record in seen.values()] == [{"done": "fast"}]
    assert aws.lambda_plane.queue.pending() >= 24
    # The slow function runs its fair share at once, not all 24.
    assert aws.scheduler.environments <= 8 + 1
    aws.scheduler.retire(slow)  # idle ones; the busy ones end with the module's local AWS


def test_stopping_mid_work_accounts_for_every_accepted_event(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("LABLIB_HOME", str(tmp_path))
    local = LocalAWS(clock_scale=1, set_environment=False).start()
    accepted: set[str] = set()
    delivered: dict[str, Any] = {}
    try:
        lam = local.client("lambda", config=NO_RETRY)
        role = local.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
        sqs, url, arn = _queue(local, "outcomes")
        lam.create_function(
            FunctionName="work", Runtime="python3.12", Role=role["Role"]["Arn"],
            Handler="app.handler", Timeout=120, Code={"ZipFile": zip_of({"app.py": HANDLER})},
        )  # fmt: skip
        lam.put_function_event_invoke_config(
            FunctionName="work", DestinationConfig={"OnSuccess": {"Destination": arn}}
        )

        def send(event: dict[str, Any]) -> None:
            response = lam.invoke(
                FunctionName="work", InvocationType="Event", Payload=json.dumps(event).encode()
            )
            assert response["StatusCode"] == 202
            accepted.add(response["ResponseMetadata"]["RequestId"])

        queue = local.lambda_plane.queue
        for n in range(3):  # finished before the stop: delivered to the destination
            send({"n": n})
        wait_for(lambda: _received(sqs, url, delivered) == 3, what="three deliveries")
        send({"fail": True})  # fails once, then waits a (real-time) minute for its retry
        for n in range(4):  # still running when the local AWS stops
            send({"sleep": 60, "n": n})
        wait_for(
            lambda: (queue.scheduled(), queue.pending()) == (1, 5),
            what="the slow events to run and the failed one to wait for its retry",
        )
    finally:
        local.stop(drain_seconds=0.2)
    [report] = (tmp_path / "reports").glob("undelivered-async-events-*.jsonl")
    records = [json.loads(line) for line in report.read_text().splitlines()]
    reported = {record["requestId"] for record in records}
    assert len(reported) == len(records) == 5
    assert sorted(record["state"] for record in records) == ["running"] * 4 + ["waiting"]
    assert not reported & set(delivered)
    assert reported | set(delivered) == accepted
