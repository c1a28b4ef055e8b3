"""The recursive-write trap, kept safe: for every uploaded object, write a copy into the SAME
bucket. If the bucket notifies this function for every new object, each copy triggers another
run. A guard stops after MAX_DEPTH copies so the lab never loops for real (do not rely on a
guard like this in production: fix the trigger with a prefix or another bucket instead).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")
MAX_DEPTH = int(os.environ.get("MAX_DEPTH", "3"))
TARGET_PREFIX = os.environ.get("TARGET_PREFIX", "")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    written = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        depth = key.count(".copy")
        if depth >= MAX_DEPTH:
            print(f"GUARD: {key} is copy number {depth}; stopping here")
            continue
        name = key.rsplit("/", 1)[-1]
        target = f"{TARGET_PREFIX}{name}.copy" if TARGET_PREFIX else f"{key}.copy"
        s3.put_object(Bucket=bucket, Key=target, Body=b"copy")
        print(f"COPY {key} -> {target}")
        written.append(target)
    return {"written": written}
