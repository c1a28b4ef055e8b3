"""Reads one invoice from S3: the least-privilege example (needs s3:GetObject on the bucket)."""

import os

import boto3

S3 = boto3.client("s3")


def handler(event, context):
    obj = S3.get_object(Bucket=os.environ["BUCKET"], Key=event["key"])
    return {"key": event["key"], "size": obj["ContentLength"], "text": obj["Body"].read().decode()}
