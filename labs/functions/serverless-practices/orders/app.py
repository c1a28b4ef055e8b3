"""Orders API handler (Lambda proxy integration): POST /orders stores an order, GET lists them."""

import json
import os
import uuid

import boto3

# Clients are created once per execution environment and reused while it stays warm.
TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
SQS = boto3.client("sqs")


def handler(event, context):
    method = event.get("httpMethod", "GET")
    if method == "POST":
        order = json.loads(event.get("body") or "{}")
        order["id"] = order.get("id") or str(uuid.uuid4())
        order["stage"] = os.environ.get("STAGE", "dev")
        TABLE.put_item(Item=order)
        SQS.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(order))
        return {"statusCode": 201, "body": json.dumps(order)}
    items = TABLE.scan()["Items"]
    return {"statusCode": 200, "body": json.dumps({"orders": items, "count": len(items)})}
