"""What lab 02 shows as misconceptions, pinned on the local AWS: a mapping refused when the
queue's visibility timeout is below the function timeout, and a failure list ignored (the
message lost) when the mapping lacks ReportBatchItemFailures."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.events.conftest import Results, queue_arn, unique, wait_for


def test_visibility_timeout_below_function_timeout_is_refused(clients: Any, recorder: Any) -> None:
    name = recorder(timeout=2)
    url = clients.sqs.create_queue(QueueName=unique("short"), Attributes={"VisibilityTimeout": "1"})
    arn = queue_arn(clients.sqs, url["QueueUrl"])
    with pytest.raises(ClientError) as refused:
        clients.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "less than Function timeout: 2 seconds" in refused.value.response["Error"]["Message"]
    clients.sqs.set_queue_attributes(
        QueueUrl=url["QueueUrl"], Attributes={"VisibilityTimeout": "12"}
    )
    mapping = clients.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, Enabled=False
    )
    clients.lam.delete_event_source_mapping(UUID=mapping["UUID"])


def test_failure_list_without_report_batch_item_failures_loses_the_message(
    clients: Any, recorder: Any, results: Results
) -> None:
    # A visibility timeout far above the batch's run time (a cold start on a loaded machine
    # can take seconds): a batch that was not deleted still counts in left(), never runs twice.
    name = recorder({"RESULTS_QUEUE_URL": results.url, "REPORT_FAILURES": "1"}, timeout=5)
    url = clients.sqs.create_queue(QueueName=unique("lost"), Attributes={"VisibilityTimeout": "30"})
    src = url["QueueUrl"]
    mapping = clients.lam.create_event_source_mapping(
        EventSourceArn=queue_arn(clients.sqs, src), FunctionName=name, BatchSize=10, Enabled=False
    )
    clients.sqs.send_message_batch(
        QueueUrl=src,
        Entries=[
            {
                "Id": str(i),
                "MessageBody": json.dumps({"id": i, **({"fail": "always"} if i == 3 else {})}),
            }
            for i in range(5)
        ],
    )
    clients.lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)

    def left() -> int:
        a = clients.sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["All"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]) + int(
            a["ApproximateNumberOfMessagesNotVisible"]
        )

    try:
        wait_for(lambda: len(results.drain()) >= 4 and left() == 0)
    finally:
        clients.lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    assert sorted(item["id"] for item in results.items) == [0, 1, 2, 4]
    assert left() == 0  # message 3 was deleted with its batch: lost, not retried
