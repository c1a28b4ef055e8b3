"""Audit trail from a DynamoDB stream: one summary per change (eventName, keys, images) sent
to the queue in OUT, so the lab can show what each StreamViewType carries."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

sqs = boto3.client("sqs")


def _plain(image: dict[str, Any] | None) -> dict[str, Any] | None:
    if image is None:
        return None
    return {name: next(iter(value.values())) for name, value in image.items()}


def handler(event: dict[str, Any], context: Any) -> None:
    for record in event["Records"]:
        change = record["dynamodb"]
        summary = {
            "eventName": record["eventName"],
            "keys": _plain(change["Keys"]),
            "old": _plain(change.get("OldImage")),
            "new": _plain(change.get("NewImage")),
        }
        print(json.dumps(summary))
        sqs.send_message(QueueUrl=os.environ["OUT"], MessageBody=json.dumps(summary))
