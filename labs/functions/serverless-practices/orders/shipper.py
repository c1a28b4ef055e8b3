"""Consumes order messages from SQS (batches) and reports what it shipped."""

import json


def handler(event, context):
    shipped = [json.loads(record["body"])["id"] for record in event.get("Records", [])]
    print(f"shipped {len(shipped)} order(s): {shipped}")
    return {"shipped": shipped}
