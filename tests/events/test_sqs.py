"""SQS event source mappings: batches, partial failures, redrive, FIFO order, no loss."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.events.conftest import drain_queue, queue_arn, unique, wait_for


def make_queue(
    sqs: Any, visibility: int = 1, max_receive: int | None = None, fifo: bool = False
) -> tuple[str, str, str | None]:
    """(url, arn, dlq url)"""
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
    some always; every message is processed or sits in the DLQ, none is lost."""
    url, arn, dlq = make_queue(clients.sqs, visibility=1, max_receive=2)
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

    wait_for(settled, timeout=30, every=0.2)
    processed = [r["id"] for r in results.items]
    assert set(processed) == good
    assert len(processed) == len(good)  # partial failures: successes are not redelivered
    assert all(int(m["Attributes"]["ApproximateReceiveCount"]) >= 2 for m in dead)
