"""Sends every event it receives (EventBridge, CloudWatch Logs, ...) to the queue in OUT."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

sqs = boto3.client("sqs")


def handler(event: dict[str, Any], context: Any) -> None:
    print(json.dumps(event)[:500])
    sqs.send_message(QueueUrl=os.environ["OUT"], MessageBody=json.dumps(event))
