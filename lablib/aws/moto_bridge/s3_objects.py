"""moto internals: read an object of the local S3 from inside the server (no HTTP round trip).

CloudFormation reads templates and snippets from S3 while it handles a request (AWS::Include
locations, ``DefinitionS3Location``, ``BodyS3Location``); calling the server over HTTP from
inside a request would be a needless round trip.
"""

from __future__ import annotations

from moto.s3.models import s3_backends


def read_object(account: str, bucket: str, key: str, partition: str = "aws") -> bytes:
    """The object's bytes; KeyError (naming it) when the bucket or key does not exist."""
    backend = s3_backends[account][partition]
    try:
        found = backend.get_object(bucket, key)
    except Exception:  # noqa: BLE001 - moto raises MissingBucket (a client error) here
        found = None
    if found is None:
        raise KeyError(f"s3://{bucket}/{key}")
    return bytes(found.value)


def s3_location(value: object) -> tuple[str, str] | None:
    """(bucket, key) of an ``s3://bucket/key`` URI or a ``{Bucket, Key}`` mapping."""
    if isinstance(value, str) and value.startswith("s3://"):
        bucket, _, key = value[len("s3://") :].partition("/")
        return bucket, key
    if isinstance(value, dict) and "Bucket" in value and "Key" in value:
        return str(value["Bucket"]), str(value["Key"])
    return None
