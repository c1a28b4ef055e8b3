"""SQS event source mappings: batches, partial failures, redrive, FIFO order, no loss."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.events.conftest import drain_queue, queue_arn, unique, wait_for


def make_queue(
    sqs: Any, visibility: int = 30, max_receive: int | None = None, fifo: bool = False
) -> tuple[str, str, str | None]:
    """(url, arn, dlq url). The default visibility is long enough that a cold start on a
    loaded machine never makes a message come back while its first invoke still runs; tests
    that need a message to come back pass a short one."""
    dlq_url = None
    attributes = {"VisibilityTimeout": str(visibility)}
    suffix = ".fifo" if fifo else ""
    if fifo:
        attributes["FifoQueue"] = "true"
        attributes["ContentBasedDeduplication"] = "true"
    if max_receive:
        dlq_url = sqs.create_queue(
            QueueName=unique("dlq") + suffix, Attributes={"FifoQueue": "true"} if fifo else {}
        )["QueueUrl"]
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": queue_arn(sqs, dlq_url), "maxReceiveCount": str(max_receive)}
        )
    url = sqs.create_queue(QueueName=unique("src") + suffix, Attributes=attributes)["QueueUrl"]
    return url, queue_arn(sqs, url), dlq_url


def send_all(sqs: Any, url: str, bodies: list[dict[str, Any]], group: str | None = None) -> None:
    for start in range(0, len(bodies), 10):
        entries = []
        for i, body in enumerate(bodies[start : start + 10]):
            entry = {"Id": str(i), "MessageBody": json.dumps(body)}
            if group:
                entry["MessageGroupId"] = group
            entries.append(entry)
        sqs.send_message_batch(QueueUrl=url, Entries=entries)


def test_no_loss_with_partial_failures_and_redrive(
    clients: Any, recorder: Any, results: Any
) -> None:
    """sqs.redrive-after-max-receive, sqs.partial-batch-failure: 200 messages, some fail once,
    some always; every message is processed or sits in the DLQ, none is lost.

    The visibility timeout (10 s) is far above a batch's run time, and the function timeout
    (5 s) far above the handler's: a shorter one lets a batch that is merely slow (a loaded
    machine) time out or come back and run twice, which AWS allows too."""
    url, arn, dlq = make_queue(clients.sqs, visibility=10, max_receive=2)
    fn = recorder({"RESULTS_QUEUE_URL": results.url, "REPORT_FAILURES": "1"})
    clients.lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=fn,
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    n = 200
    bodies = [
        {"id": i, "fail": "always" if i % 10 == 3 else "first" if i % 10 == 7 else None}
        for i in range(n)
    ]
    send_all(clients.sqs, url, bodies)
    poison = {b["id"] for b in bodies if b["fail"] == "always"}
    good = {b["id"] for b in bodies} - poison
    dead: list[dict[str, Any]] = []

    def settled() -> bool:
        dead.extend(drain_queue(clients.sqs, dlq))
        done = {r["id"] for r in results.drain()}
        return done == good and {json.loads(m["Body"])["id"] for m in dead} == poison

    wait_for(settled, timeout=240, every=0.2)  # under the 300 s per-test limit
    processed = [r["id"] for r in results.items]
    assert set(processed) == good
    assert len(processed) == len(good)  # partial failures: successes are not redelivered
    assert all(int(m["Attributes"]["ApproximateReceiveCount"]) >= 2 for m in dead)


SHAPE_CODE = """
import json, os, boto3
sqs = boto3.client("sqs")
def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["OUT"], MessageBody=json.dumps(event))
"""


def capture(clients: Any, handler_code: Any, results: Any, **extra: Any) -> str:
    return handler_code(SHAPE_CODE, Environment={"Variables": {"OUT": results.url}}, **extra)


def test_sqs_event_shape(clients: Any, handler_code: Any, results: Any) -> None:
    """sqs.event-shape: messages arrive under Records[] with eventSource aws:sqs, body,
    attributes and messageAttributes."""
    url, arn, _ = make_queue(clients.sqs)
    fn = capture(clients, handler_code, results)
    clients.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=1)
    clients.sqs.send_message(
        QueueUrl=url,
        MessageBody="hello",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}},
    )
    events = wait_for(results.drain)
    record = events[0]["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == arn
    assert record["body"] == "hello"
    assert record["awsRegion"] == "us-east-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert set(record["attributes"]) >= {
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    }
    assert record["messageAttributes"]["kind"]["stringValue"] == "greeting"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    assert set(record) >= {"messageId", "receiptHandle", "md5OfBody"}
    assert "body" not in events[0]


def test_sqs_batch_size_gives_what_is_available(
    clients: Any, handler_code: Any, results: Any
) -> None:
    """sqs.batch-size: with BatchSize 10 and no window, three waiting messages arrive together
    (up to three records), never padded to ten; a window gathers a bigger batch."""
    url, arn, _ = make_queue(clients.sqs)
    fn = capture(clients, handler_code, results)
    mapping = clients.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn, BatchSize=10, Enabled=False
    )
    send_all(clients.sqs, url, [{"id": i} for i in range(3)])
    clients.lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    wait_for(lambda: sum(len(e["Records"]) for e in results.drain()) == 3)
    assert all(1 <= len(e["Records"]) <= 3 for e in results.items)
    # a batching window of 5 s collects 25 messages sent over ~0.3 s (longer when the machine
    # is loaded) into few invocations
    url2, arn2, _ = make_queue(clients.sqs)
    results.items.clear()
    clients.lam.create_event_source_mapping(
        EventSourceArn=arn2, FunctionName=fn, BatchSize=50, MaximumBatchingWindowInSeconds=5
    )
    for i in range(5):
        send_all(clients.sqs, url2, [{"id": i * 5 + j} for j in range(5)])
        time.sleep(0.05)
    wait_for(lambda: sum(len(e["Records"]) for e in results.drain()) >= 25)
    assert sum(len(e["Records"]) for e in results.items) == 25, [
        len(e["Records"]) for e in results.items
    ]
    assert max(len(e["Records"]) for e in results.items) >= 10


def test_sqs_whole_batch_returns_on_error(clients: Any, recorder: Any, results: Any) -> None:
    """sqs.whole-batch-retry: without ReportBatchItemFailures one failing message makes the
    whole batch come back after the visibility timeout, so the good ones run again.

    The visibility timeout (10 s) is well above the first run's time even on a loaded
    machine, so each message is received exactly twice."""
    url, arn, _ = make_queue(clients.sqs, visibility=10)
    fn = recorder({"RESULTS_QUEUE_URL": results.url})
    mapping = clients.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn, BatchSize=5, Enabled=False
    )
    bodies = [{"id": i, "fail": "first" if i == 4 else None} for i in range(5)]
    send_all(clients.sqs, url, bodies)
    clients.lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    wait_for(lambda: {r["id"] for r in results.drain()} == set(range(5)))
    # every message (the good ones too) came back and succeeded on its second receive
    assert sorted((r["id"], r["attempt"]) for r in results.items) == [(i, "2") for i in range(5)]


def test_sqs_partial_batch_failure(clients: Any, recorder: Any, results: Any) -> None:
    """sqs.partial-batch-failure: with ReportBatchItemFailures only the listed message returns;
    the other four are deleted after the first run and never run again (by the time the failed
    one is back, after the 10 s visibility timeout, undeleted ones would be back too)."""
    url, arn, _ = make_queue(clients.sqs, visibility=10)
    fn = recorder({"RESULTS_QUEUE_URL": results.url, "REPORT_FAILURES": "1"})
    mapping = clients.lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=fn,
        BatchSize=5,
        Enabled=False,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    send_all(clients.sqs, url, [{"id": i, "fail": "first" if i == 2 else None} for i in range(5)])
    clients.lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    wait_for(lambda: {r["id"] for r in results.drain()} == set(range(5)))
    time.sleep(1.3)
    results.drain()
    ids = sorted(r["id"] for r in results.items)
    assert ids == [0, 1, 2, 3, 4]


def test_invalid_batch_item_response_fails_whole_batch(clients: Any, handler_code: Any) -> None:
    """An itemIdentifier that is not in the batch makes AWS treat the batch as failed: the
    message is not deleted, comes back, and (maxReceiveCount 1) lands in the DLQ."""
    code = (
        "def handler(event, context):\n"
        "    return {'batchItemFailures': [{'itemIdentifier': 'nope'}]}\n"
    )
    url, arn, dlq = make_queue(clients.sqs, visibility=1, max_receive=1)
    fn = handler_code(code)
    clients.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    clients.sqs.send_message(QueueUrl=url, MessageBody="x")
    dead = wait_for(lambda: drain_queue(clients.sqs, dlq))
    assert [m["Body"] for m in dead] == ["x"]


def test_fifo_order_per_group(clients: Any, recorder: Any, results: Any) -> None:
    """FIFO queues: records of one message group are processed in order, even when one fails
    first and comes back after the visibility timeout. (A batch that outlives the 1 s
    visibility timeout on a loaded machine comes back early; order still holds.)"""
    url, arn, _ = make_queue(clients.sqs, visibility=1, fifo=True)
    fn = recorder({"RESULTS_QUEUE_URL": results.url}, timeout=1)
    mapping = clients.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn, BatchSize=3, Enabled=False
    )
    for group in ("a", "b"):
        bodies = [{"id": f"{group}{i}", "fail": "first" if i == 4 else None} for i in range(9)]
        send_all(clients.sqs, url, bodies, group=group)
    clients.lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    wait_for(lambda: len({r["id"] for r in results.drain()}) == 18)
    for group in ("a", "b"):
        seen = [r["id"] for r in results.items if r["id"].startswith(group)]
        firsts = list(dict.fromkeys(seen))
        assert firsts == [f"{group}{i}" for i in range(9)], seen


def test_disabled_mapping_never_fires_and_delete_stops(
    clients: Any, recorder: Any, results: Any
) -> None:
    """A disabled mapping never invokes; enabling it delivers; deleting it stops polling."""
    url, arn, _ = make_queue(clients.sqs)
    fn = recorder({"RESULTS_QUEUE_URL": results.url})
    mapping = clients.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn)
    clients.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"id": 1}))
    wait_for(lambda: results.drain())
    clients.lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    time.sleep(0.2)
    send_all(clients.sqs, url, [{"id": i} for i in range(2, 12)])
    time.sleep(0.8)
    assert [r["id"] for r in results.drain()] == [1]

    def waiting() -> str:
        attrs = clients.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return str(attrs["Attributes"]["ApproximateNumberOfMessages"])

    # (a receive already under way when the mapping was disabled hands its batch back)
    wait_for(lambda: waiting() == "10")
    assert [r["id"] for r in results.drain()] == [1]
    clients.lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    wait_for(lambda: len(results.drain()) == 11)
    clients.lam.delete_event_source_mapping(UUID=mapping["UUID"])
    time.sleep(0.3)
    clients.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"id": 99}))
    time.sleep(0.8)
    assert 99 not in {r["id"] for r in results.drain()}


def test_mapping_lives_in_lambda(clients: Any, recorder: Any) -> None:
    """esm.mapping-lives-in-lambda: a queue trigger is an event source mapping you list in
    Lambda; an S3 trigger is not (it is the bucket's notification configuration)."""
    _, arn, _ = make_queue(clients.sqs)
    fn = recorder()
    created = clients.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn)
    listed = clients.lam.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [created["UUID"]]
    assert listed[0]["EventSourceArn"] == arn
    wait_for(
        lambda: clients.lam.get_event_source_mapping(UUID=created["UUID"])["State"] == "Enabled"
    )


def test_mapping_configuration_errors(clients: Any, recorder: Any) -> None:
    """esm.batch-size-validation: BatchSize over 10 needs a batching window; 10,000 is the
    SQS maximum; a missing queue and a visibility timeout below the function timeout fail."""
    _, arn, _ = make_queue(clients.sqs, visibility=1)
    fn = recorder(timeout=1)
    with pytest.raises(ClientError) as exc:
        clients.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=11)
    assert "Maximum batch window in seconds must be greater than 0" in str(exc.value)
    with pytest.raises(ClientError) as exc:
        clients.lam.create_event_source_mapping(
            EventSourceArn=arn, FunctionName=fn, BatchSize=10_001, MaximumBatchingWindowInSeconds=5
        )
    assert "less than or equal to 10000" in str(exc.value)
    ok = clients.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn, BatchSize=10_000, MaximumBatchingWindowInSeconds=5
    )
    assert ok["BatchSize"] == 10_000
    missing = arn.rsplit(":", 1)[0] + ":no-such-queue"
    with pytest.raises(ClientError) as exc:
        clients.lam.create_event_source_mapping(EventSourceArn=missing, FunctionName=fn)
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "NonExistentQueue" in str(exc.value)
    slow = recorder(timeout=5)
    with pytest.raises(ClientError) as exc:
        clients.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=slow)
    assert "Queue visibility timeout: 1 seconds is less than Function timeout: 5 seconds" in str(
        exc.value
    )
    with pytest.raises(ClientError) as exc:
        clients.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn)
    assert exc.value.response["Error"]["Code"] == "ResourceConflictException"


def test_always_failing_handler_drains_to_dlq(clients: Any, handler_code: Any) -> None:
    """A handler that always fails: every message ends in the queue's DLQ (none dropped)."""
    url, arn, dlq = make_queue(clients.sqs, visibility=1, max_receive=1)
    fn = handler_code("def handler(event, context):\n    raise RuntimeError('broken')\n")
    clients.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn)
    send_all(clients.sqs, url, [{"id": i} for i in range(20)])
    dead: list[dict[str, Any]] = []
    wait_for(lambda: len(dead.__iadd__(drain_queue(clients.sqs, dlq))) == 20, every=0.2)
    assert sorted(json.loads(m["Body"])["id"] for m in dead) == list(range(20))
