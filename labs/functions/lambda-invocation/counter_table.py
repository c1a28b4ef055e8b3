"""Lab 01: counts page views in DynamoDB, so every copy of the function sees the same count."""

import os
import time

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    time.sleep(event.get("work_seconds", 0))
    item = table.update_item(
        Key={"pk": "page-views"},
        UpdateExpression="ADD #v :one",
        ExpressionAttributeNames={"#v": "views"},
        ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW",
    )
    return {"views": int(item["Attributes"]["views"])}
