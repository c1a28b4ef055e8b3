"""A handler for every event source: it reads the records the way each source shapes them,
and reports each record it processed to the queue named in RESULTS_QUEUE_URL (if set).

A record asks to fail through its payload: {"fail": "always"} fails every time,
{"fail": "first"} fails only on its first delivery (SQS ApproximateReceiveCount 1).
With REPORT_FAILURES=1 the handler returns {"batchItemFailures": [...]} for the failed
records (ReportBatchItemFailures); otherwise one failing record makes it raise, so the
whole batch fails.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import boto3

RESULTS = os.environ.get("RESULTS_QUEUE_URL", "")
sqs = boto3.client("sqs") if RESULTS else None  # created once per environment, reused


def describe(record: dict[str, Any]) -> tuple[str, str, dict[str, Any], str]:
    """(source, item identifier, payload as a dict, attempt) for one record."""
    if record.get("eventSource") == "aws:sqs":
        body = _json(record["body"])
        attempt = record["attributes"]["ApproximateReceiveCount"]
        return "sqs", record["messageId"], body, attempt
    if record.get("eventSource") == "aws:kinesis":
        data = base64.b64decode(record["kinesis"]["data"]).decode()
        return "kinesis", record["kinesis"]["sequenceNumber"], _json(data), "?"
    if record.get("eventSource") == "aws:dynamodb":
        image = record["dynamodb"].get("NewImage") or record["dynamodb"].get("Keys") or {}
        body = {k: list(v.values())[0] for k, v in image.items()}
        return "dynamodb", record["dynamodb"]["SequenceNumber"], body, "?"
    if record.get("EventSource") == "aws:sns":
        return "sns", record["Sns"]["MessageId"], _json(record["Sns"]["Message"]), "?"
    if record.get("eventSource") == "aws:s3":
        key = record["s3"]["object"]["key"]
        return "s3", key, {"key": key, "event": record["eventName"]}, "?"
    return "unknown", "", {}, "?"


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def _fails(body: dict[str, Any], attempt: str) -> bool:
    mode = body.get("fail")
    return mode == "always" or (mode == "first" and attempt == "1")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
    records = event.get("Records", [])
    report = os.environ.get("REPORT_FAILURES") == "1"
    done, failed = [], []
    for record in records:
        source, ident, body, attempt = describe(record)
        if _fails(body, attempt):
            failed.append(ident)
            print(f"FAILED {source} {ident} id={body.get('id')} attempt={attempt}")
            continue
        done.append({"source": source, "ident": ident, "id": body.get("id"), "attempt": attempt})
        print(f"OK {source} {ident} id={body.get('id')}")
    if failed and not report:
        raise ValueError(f"{len(failed)} of {len(records)} records failed: {failed[:3]}")
    _send(done)
    if report:
        return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}
    return None


def _send(done: list[dict[str, Any]]) -> None:
    if sqs is None:
        return
    for start in range(0, len(done), 10):
        chunk = done[start : start + 10]
        sqs.send_message_batch(
            QueueUrl=RESULTS,
            Entries=[{"Id": str(i), "MessageBody": json.dumps(r)} for i, r in enumerate(chunk)],
        )
