"""Asynchronous invocation: retries on the lab clock, DLQ attributes, destinations."""

from __future__ import annotations

import json
import time
from typing import Any

FAILING = """
import boto3, os
def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["TRACE"], MessageBody="attempt")
    raise RuntimeError("always fails: " + event["id"])
"""


def drain(sqs: Any, url: str, want: int, seconds: float) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    end = time.monotonic() + seconds
    while len(got) < want and time.monotonic() < end:
        response = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        )
        for message in response.get("Messages", []):
            got.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return got


def queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def test_two_retries_then_dlq_with_attributes(aws: Any, lam: Any, make_function: Any) -> None:
    """Verifies: lambda.async-retries-two, lambda.dlq-message-attributes."""
    sqs = aws.client("sqs")
    trace_url, _ = queue(sqs, "trace-retries")
    dlq_url, dlq_arn = queue(sqs, "dlq-retries")
    name = make_function(
        FAILING,
        Environment={"Variables": {"TRACE": trace_url}},
        DeadLetterConfig={"TargetArn": dlq_arn},
    )
    assert lam.get_function_configuration(FunctionName=name)["DeadLetterConfig"] == {
        "TargetArn": dlq_arn
    }
    started = time.monotonic()
    response = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"id": "e1"}')
    request_id = response["ResponseMetadata"]["RequestId"]
    dead = drain(sqs, dlq_url, 1, 90)
    elapsed = time.monotonic() - started
    attempts = drain(sqs, trace_url, 3, 30)
    assert len(attempts) == 3  # the first try and two retries
    # 1 + 2 AWS minutes on a 60x lab clock: 3 s, not 180 s (the bound allows a loaded machine)
    assert 2.5 <= elapsed < 60
    assert json.loads(dead[0]["Body"]) == {"id": "e1"}
    attributes = dead[0]["MessageAttributes"]
    assert attributes["RequestID"] == {"StringValue": request_id, "DataType": "String"}
    assert attributes["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert attributes["ErrorMessage"]["StringValue"] == "always fails: e1"


def test_retry_setting_and_failure_destination(aws: Any, lam: Any, make_function: Any) -> None:
    """Verifies: lambda.async-retries-two, lambda.destination-failure-record."""
    sqs = aws.client("sqs")
    trace_url, _ = queue(sqs, "trace-dest")
    dest_url, dest_arn = queue(sqs, "on-failure")
    name = make_function(FAILING, Environment={"Variables": {"TRACE": trace_url}})
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": dest_arn}},
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"id": "e2"}')
    record = json.loads(drain(sqs, dest_url, 1, 60)[0]["Body"])
    assert len(drain(sqs, trace_url, 2, 1)) == 1
    assert record["version"] == "1.0"
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestContext"]["functionArn"].endswith(f":function:{name}:$LATEST")
    assert record["requestPayload"] == {"id": "e2"}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorMessage"] == "always fails: e2"


def test_success_destination(aws: Any, lam: Any, make_function: Any) -> None:
    sqs = aws.client("sqs")
    dest_url, dest_arn = queue(sqs, "on-success")
    name = make_function("def handler(e, c):\n    return {'doubled': e['n'] * 2}\n")
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": dest_arn}}
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 21}')
    record = json.loads(drain(sqs, dest_url, 1, 60)[0]["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {"doubled": 42}
    assert "functionError" not in record["responseContext"]


def test_zero_reserved_concurrency(aws: Any, lam: Any, make_function: Any) -> None:
    sqs = aws.client("sqs")
    dest_url, dest_arn = queue(sqs, "zero-reserved")
    name = make_function("def handler(e, c):\n    return 1\n")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": dest_arn}}
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    record = json.loads(drain(sqs, dest_url, 1, 60)[0]["Body"])
    assert record["requestContext"]["condition"] == "ZeroReservedConcurrency"
    assert record["requestContext"]["approximateInvokeCount"] == 0


def test_event_invoke_config_put_replaces_update_merges(lam: Any, make_function: Any) -> None:
    name = make_function("def handler(e, c):\n    return 1\n")
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                         MaximumEventAgeInSeconds=120)  # fmt: skip
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    config = lam.get_function_event_invoke_config(FunctionName=name)
    assert config["MaximumRetryAttempts"] == 1
    assert "MaximumEventAgeInSeconds" not in config  # put replaces the whole configuration
    lam.update_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=300)
    config = lam.get_function_event_invoke_config(FunctionName=name)
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (1, 300)


def test_events_waiting_at_shutdown_are_reported_not_lost(tmp_path: Any, monkeypatch: Any) -> None:
    """Stopping the local AWS with retries still pending writes them to a report file."""
    from pathlib import Path

    from lablib.aws.server import LocalAWS
    from tests.support import NO_RETRY, zip_of

    monkeypatch.setenv("LABLIB_HOME", str(tmp_path))
    local = LocalAWS(clock_scale=1, set_environment=False).start()  # real-time retry delays
    try:
        lam = local.client("lambda", config=NO_RETRY)
        arn = local.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
        lam.create_function(
            FunctionName="fails", Runtime="python3.12", Role=arn["Role"]["Arn"],
            Handler="app.handler",
            Code={"ZipFile": zip_of({"app.py": "def handler(e, c):\n    raise ValueError\n"})},
        )  # fmt: skip
        lam.invoke(FunctionName="fails", InvocationType="Event", Payload=b'{"keep": "me"}')
        queue = local.lambda_plane.queue

        def retry_scheduled() -> bool:
            """The first attempt failed and its retry waits (a minute out): the event sits
            in the queue again with one attempt made. (Right after the invoke it sits there
            too, with none: waiting for that alone flaked under load.)"""
            with queue._cond:
                waiting = [event for heap in queue._heaps.values() for _, _, event in heap]
            return any(event.attempts == 1 for event in waiting)

        deadline = time.monotonic() + 120  # a cold start on a busy machine can take seconds
        while not retry_scheduled():
            assert time.monotonic() < deadline, "the first attempt never failed"
            time.sleep(0.05)
    finally:
        local.stop(drain_seconds=0.5)
    reports = list((Path(tmp_path) / "reports").glob("undelivered-async-events-*.jsonl"))
    assert len(reports) == 1
    record = json.loads(reports[0].read_text().splitlines()[0])
    assert record["function"] == "fails" and json.loads(record["payload"]) == {"keep": "me"}
    assert record["attempts"] == 1
