"""Malformed requests get AWS's JSON (or XML) error shapes with a specific message, never
werkzeug's HTML 500 page; names and packages are checked at create, as AWS does."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.aws.server import LocalAWS
from tests.support import zip_of

CODE = {"app.py": "def handler(event, context):\n    return 'ok'\n"}


def raw(aws: LocalAWS, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are; read one response (by its Content-Length)."""
    port = int(aws.endpoint.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        for _ in range(10_000):
            head, found, rest = data.partition(b"\r\n\r\n")
            if found:
                lines = head.decode("latin-1").split("\r\n")
                headers = {
                    k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
                }
                if len(rest) >= int(headers.get("content-length", "0")):
                    return int(lines[0].split()[1]), headers, rest
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    raise AssertionError(f"no complete response: {data[:200]!r}")


# The front wants SigV4 on API calls (the signature itself is not checked locally).
def signed(service: str) -> str:
    return (
        f"Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/"
        "aws4_request, SignedHeaders=host, Signature=00\r\nX-Amz-Date: 20260101T000000Z\r\n"
    )


def request(
    path: str, body: bytes, length: str | None = None, extra: str = "", service: str = "lambda"
) -> bytes:
    size = str(len(body)) if length is None else length
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{signed(service)}{extra}"
        f"Content-Length: {size}\r\n\r\n"
    ).encode() + body


@pytest.mark.parametrize("length", ["abc", "-5", "1e3"])
def test_bad_content_length_is_a_json_400(aws: LocalAWS, length: str) -> None:
    status, headers, body = raw(aws, request("/2015-03-31/functions/x/invocations", b"{}", length))
    assert status == 400 and headers["content-type"] == "application/json"
    assert "Content-Length" in json.loads(body)["message"]


def test_deeply_nested_json_is_a_400_not_a_crash(
    aws: LocalAWS, lam: Any, make_function: Any
) -> None:
    name = make_function(CODE["app.py"])
    deep = b"[" * 100_000 + b"]" * 100_000
    status, headers, body = raw(aws, request(f"/2015-03-31/functions/{name}/invocations", deep))
    assert status == 400 and headers["x-amzn-errortype"] == "InvalidRequestContentException"
    assert json.loads(body)["message"].startswith("Could not parse request body into json")
    target = (
        "X-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Type: application/x-amz-json-1.0\r\n"
    )
    status, headers, body = raw(aws, request("/", deep, extra=target, service="dynamodb"))
    assert status == 400 and json.loads(body)["__type"] == "SerializationException"
    # The server still serves.
    assert lam.invoke(FunctionName=name)["StatusCode"] == 200


def test_broken_zip_from_s3_and_as_a_layer_is_refused_at_upload(
    aws: LocalAWS, lam: Any, role: str
) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="fault-code")
    s3.put_object(Bucket="fault-code", Key="broken.zip", Body=b"this is not a zip")
    unzip = "Could not unzip uploaded file. Please check your file, then try to upload again."
    with pytest.raises(ClientError) as caught:
        lam.create_function(
            FunctionName="from-s3", Runtime="python3.12", Role=role, Handler="app.handler",
            Code={"S3Bucket": "fault-code", "S3Key": "broken.zip"},
        )  # fmt: skip
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert caught.value.response["Error"]["Message"] == unzip
    with pytest.raises(ClientError) as caught:
        lam.publish_layer_version(
            LayerName="broken", Content={"S3Bucket": "fault-code", "S3Key": "broken.zip"}
        )
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert caught.value.response["Error"]["Message"] == unzip
    with pytest.raises(ClientError) as caught:
        lam.publish_layer_version(LayerName="broken", Content={"ZipFile": b"PK\x03\x04 nope"})
    assert caught.value.response["Error"]["Message"] == unzip


@pytest.mark.parametrize("name", ["with space", "näme", "a" * 65, "fn/slash", "fn.dot"])
def test_function_names_are_validated_at_create(lam: Any, role: str, name: str) -> None:
    with pytest.raises(ClientError) as caught:
        lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
            Code={"ZipFile": zip_of(CODE)},
        )  # fmt: skip
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith(
        f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy "
        "constraint: Member must "
    )


def test_a_function_created_by_arn_is_invoked_by_its_name(lam: Any, role: str) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:by-arn"
    created = lam.create_function(
        FunctionName=arn, Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": zip_of(CODE)},
    )  # fmt: skip
    assert created["FunctionName"] == "by-arn" and created["FunctionArn"] == arn
    assert json.loads(lam.invoke(FunctionName="by-arn")["Payload"].read()) == "ok"
    assert json.loads(lam.invoke(FunctionName=arn)["Payload"].read()) == "ok"
