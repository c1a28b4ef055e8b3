"""Lab 01: creates its SDK client inside the handler, paying for it on every call."""

import boto3


def handler(event, context):
    s3 = boto3.client("s3")
    return {"buckets": len(s3.list_buckets()["Buckets"])}
