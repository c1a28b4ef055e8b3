"""The function lab 04 releases: its answer names the release it belongs to.

Configuration is part of a version, so the release label and the BROKEN switch come from
environment variables and are frozen with the code when a version is published. It answers
direct invokes, SQS batches (one log line per order) and API Gateway proxy requests.
"""

import json
import os

RELEASE = os.environ.get("RELEASE", "dev")


def handler(event, context):
    if os.environ.get("BROKEN") == "1":
        raise RuntimeError(f"release {RELEASE} is broken: order {event.get('order')} lost")
    if "Records" in event:  # an SQS batch from an event source mapping
        for record in event["Records"]:
            order = json.loads(record["body"]).get("order")
            print(f"order {order} handled by version {context.function_version}")
        return {}
    alias = context.invoked_function_arn.split(":")[-1]
    answer = {
        "release": RELEASE,
        "version": context.function_version,
        "called_as": alias if alias != context.function_name else None,
    }
    if "httpMethod" in event:  # API Gateway proxy integration
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(answer),
        }
    return answer
