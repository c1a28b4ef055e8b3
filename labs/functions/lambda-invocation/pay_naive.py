"""Lab 01: records a charge for every delivery of an event (duplicates on redelivery)."""

import os
import uuid

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    charge_id = str(uuid.uuid4())
    table.put_item(
        Item={"pk": charge_id, "payment_id": event["payment_id"], "amount": event["amount"]}
    )
    return {"status": "charged", "charge_id": charge_id}
