"""Notebook helpers for lab 02 (event sources): diagrams, tables, waiting, reading queues and
the IteratorAge chart. Everything goes through boto3 against the running local AWS."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from IPython.display import Markdown

from lablib.notebook._aws import client
from lablib.notebook.render import Table

PUSH_PULL = """```mermaid
flowchart LR
    subgraph push["Push: the source invokes (mapping kept on the source)"]
        S3[S3 bucket notification] -->|"Invoke, Event (async)"| Q1[(Lambda async queue)]
        SNS[SNS subscription] -->|"Invoke, Event"| Q1
        EB[EventBridge rule] -->|"Invoke, Event"| Q1
        LOGS[CloudWatch Logs subscription] -->|"Invoke, Event"| Q1
        APIGW[API Gateway] -->|"Invoke, RequestResponse (sync)"| F1
        Q1 -->|retries, DLQ, destinations| F1[function]
    end
    subgraph pull["Pull: Lambda polls (event source mapping kept in Lambda)"]
        ESM[event source mapping] -->|ReceiveMessage / GetRecords| SRC[(SQS, Kinesis, DynamoDB)]
        ESM -->|"Invoke, RequestResponse (sync), batches"| F2[function]
    end
```"""

MODES = [
    ("S3 notification", "push", "asynchronous", "resource policy: s3.amazonaws.com"),
    ("SNS subscription", "push", "asynchronous", "resource policy: sns.amazonaws.com"),
    (
        "EventBridge rule / schedule",
        "push",
        "asynchronous",
        "resource policy: events.amazonaws.com",
    ),
    ("CloudWatch Logs subscription", "push", "asynchronous", "resource policy: logs.amazonaws.com"),
    ("API Gateway", "push", "synchronous", "resource policy: apigateway.amazonaws.com"),
    ("Cognito trigger", "push", "synchronous", "resource policy: cognito-idp.amazonaws.com"),
    (
        "SQS queue",
        "pull (mapping)",
        "synchronous, batches",
        "execution role: sqs:ReceiveMessage, DeleteMessage, GetQueueAttributes",
    ),
    (
        "Kinesis stream",
        "pull (mapping)",
        "synchronous, batches per shard",
        "execution role: kinesis:GetRecords, GetShardIterator, DescribeStream, ListShards",
    ),
    (
        "DynamoDB stream",
        "pull (mapping)",
        "synchronous, batches per shard",
        "execution role: dynamodb:GetRecords, GetShardIterator, DescribeStream, ListStreams",
    ),
]

FAILURES = [
    (
        "S3, SNS, EventBridge, Logs (async)",
        "2 retries (about 1 and 2 minutes apart)",
        "event age up to 6 h",
        "DLQ or on-failure destination of the function",
    ),
    (
        "SQS mapping (sync)",
        "the message returns after the visibility timeout",
        "until maxReceiveCount",
        "the queue's own DLQ (redrive policy)",
    ),
    (
        "Kinesis / DynamoDB mapping (sync)",
        "the batch is retried, the shard waits",
        "until the records expire (24 h+) or MaximumRetryAttempts / MaximumRecordAgeInSeconds",
        "on-failure destination of the mapping (SQS, SNS, S3)",
    ),
    ("API Gateway (sync)", "none: the caller sees the error", "-", "the client decides"),
]


def push_pull_diagram() -> Markdown:
    return Markdown(PUSH_PULL)  # type: ignore[no-untyped-call]


def invocation_modes() -> Table:
    return Table(
        ["source", "style", "how Lambda is invoked", "who needs permission"],
        MODES,
        "Invocation mode and permission per source",
    )


def failure_handling() -> Table:
    return Table(
        ["source", "on a function error", "for how long", "where failed events end up"],
        FAILURES,
        "Failure handling per source",
    )


def wait_for(check: Callable[[], Any], timeout: float = 60.0, every: float = 0.1) -> Any:
    """Call ``check`` until it returns something truthy (or raise TimeoutError saying so).
    It returns as soon as the check holds: the generous default only matters on a busy
    machine, where a cold start or a poll can take seconds."""
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > end:
            if not value:
                raise TimeoutError(f"still waiting after {timeout} s (last value {value!r})")
            return value
        time.sleep(every)


def queue_url(name: str, **attributes: str) -> str:
    url: str = client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url


def queue_arn(url: str) -> str:
    arn: str = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    return arn


def drain(url: str) -> list[dict[str, Any]]:
    """Receive and delete everything visible in a queue; bodies parsed from JSON if possible."""
    sqs = client("sqs")
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
            "Messages", []
        )
        if not got:
            return out
        for message in got:
            try:
                body = json.loads(message["Body"])
            except ValueError:
                body = message["Body"]
            out.append(
                {"body": body, "receives": message["Attributes"].get("ApproximateReceiveCount")}
            )
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
            ],
        )


def log_lines(function: str, contains: str = "", limit: int = 50) -> list[str]:
    """Lines of the function's log group that contain ``contains``, oldest first."""
    logs = client("logs")
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    lines = [e["message"].rstrip() for e in sorted(events, key=lambda e: e["timestamp"])]
    return [line for line in lines if contains in line][-limit:]


def invocation_count(function: str) -> int:
    return len(log_lines(function, "START RequestId", limit=10_000))


def iterator_age_points(function: str, seconds: int = 120) -> list[tuple[datetime, float]]:
    """IteratorAge (Maximum, lab-clock milliseconds) per real second."""
    now = datetime.now(UTC)
    data = client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="IteratorAge",
        Dimensions=[{"Name": "FunctionName", "Value": function}],
        StartTime=now - timedelta(seconds=seconds),
        EndTime=now + timedelta(seconds=5),
        Period=1,
        Statistics=["Maximum"],
    )["Datapoints"]
    return sorted((p["Timestamp"], float(p["Maximum"])) for p in data)


def plot_iterator_age(function: str, marks: dict[str, datetime] | None = None) -> Any:
    """A matplotlib chart of IteratorAge over real time (values in AWS minutes, lab clock)."""
    import matplotlib.pyplot as plt

    points = iterator_age_points(function)
    fig, ax = plt.subplots(figsize=(7, 3))
    if points:
        start = points[0][0]
        xs = [(t - start).total_seconds() for t, _ in points]
        ax.plot(xs, [v / 60000 for _, v in points], marker="o")
        for label, when in (marks or {}).items():
            ax.axvline((when - start).total_seconds(), color="grey", linestyle="--")
            ax.text((when - start).total_seconds(), 0, f" {label}", rotation=90, va="bottom")
    ax.set_xlabel("real seconds")
    ax.set_ylabel("IteratorAge (AWS minutes)")
    ax.set_title(f"IteratorAge of {function} (lab clock)")
    fig.tight_layout()
    plt.close(fig)
    return fig
