"""Synchronous, Event and DryRun invokes and their exact shapes (aws-behaviour.md)."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.lambda_rt.conftest import payload_of

HELLO = """
import json
def handler(event, context):
    return {"got": event, "rid": context.aws_request_id}
"""


def test_sync_invoke_returns_handler_value(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.sync-invoke-200."""
    name = make_function(HELLO)
    response = lam.invoke(FunctionName=name, Payload=b'{"a": 1}')
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    body = payload_of(response)
    assert body["got"] == {"a": 1}
    assert re.fullmatch(r"[0-9a-f-]{36}", body["rid"])
    assert response["ResponseMetadata"]["RequestId"] == body["rid"]


def test_none_is_null(lam: Any, make_function: Any) -> None:
    name = make_function("def handler(e, c):\n    return None\n")
    assert lam.invoke(FunctionName=name)["Payload"].read() == b"null"


def test_dry_run_is_204_and_runs_nothing(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.dryrun-204."""
    name = make_function("def handler(e, c):\n    print('RAN')\n")
    response = lam.invoke(FunctionName=name, InvocationType="DryRun")
    assert response["StatusCode"] == 204
    assert response["Payload"].read() == b""


def test_event_is_202_and_runs_later(aws: Any, lam: Any, make_function: Any) -> None:
    """Verifies: lambda.event-invoke-202."""
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="event-proof")["QueueUrl"]
    code = f"""
import boto3
def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl="{url}", MessageBody=event["msg"])
"""
    name = make_function(code)
    response = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"msg": "hi"}')
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
    assert messages[0]["Body"] == "hi"


def test_unknown_function_is_404(lam: Any) -> None:
    """Verifies: lambda.invoke-api-errors."""
    with pytest.raises(ClientError) as info:
        lam.invoke(FunctionName="does-not-exist")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_bad_json_payload_is_400(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.invoke-api-errors."""
    name = make_function(HELLO)
    with pytest.raises(ClientError) as info:
        lam.invoke(FunctionName=name, Payload=b"{not json")
    assert info.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_tail_returns_last_4kb_of_this_invocation(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.tail-log-4kb."""
    name = make_function("def handler(e, c):\n    print('x' * 100)\n    print('marker-line')\n")
    response = lam.invoke(FunctionName=name, LogType="Tail")
    log = base64.b64decode(response["LogResult"]).decode()
    assert "marker-line" in log
    assert log.splitlines()[-1].startswith("REPORT RequestId: ")
    noisy = make_function("def handler(e, c):\n    print('y' * 10000)\n")
    tail = base64.b64decode(lam.invoke(FunctionName=noisy, LogType="Tail")["LogResult"])
    assert len(tail) == 4096


def test_context_and_environment(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.context-fields."""
    code = """
import os, tempfile
def handler(event, context):
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "client_context": context.client_context,
        "identity": context.identity,
        "env": {k: os.environ.get(k) for k in (
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME",
            "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION", "AWS_DEFAULT_REGION",
            "AWS_EXECUTION_ENV", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "_HANDLER", "TZ",
            "MY_SETTING")},
        "tmp": tempfile.gettempdir(),
    }
"""
    name = make_function(
        code, MemorySize=256, Timeout=5, Environment={"Variables": {"MY_SETTING": "on"}}
    )
    body = payload_of(lam.invoke(FunctionName=name))
    assert body["function_name"] == name
    assert body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"].endswith(f":function:{name}")
    assert body["memory_limit_in_mb"] == "256"
    assert body["log_group_name"] == f"/aws/lambda/{name}"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", body["log_stream_name"])
    assert 0 < body["remaining"] <= 5000
    assert body["client_context"] is None and body["identity"] is None
    env = body["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["_HANDLER"] == "app.handler"
    assert env["TZ"] == ":UTC"
    assert env["MY_SETTING"] == "on"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == body["log_stream_name"]
    assert body["tmp"] in ("/tmp", env["LAMBDA_TASK_ROOT"]) or body["tmp"].endswith("/tmp")


def test_reserved_environment_variable_is_rejected(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.env-vars-reserved."""
    with pytest.raises(ClientError) as info:
        make_function(HELLO, Environment={"Variables": {"AWS_REGION": "eu-west-1"}})
    assert info.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "AWS_REGION" in info.value.response["Error"]["Message"]


def test_qualified_arn_in_context(lam: Any, make_function: Any) -> None:
    """Verifies: lambda.executed-version, lambda.context-fields."""
    name = make_function("def handler(e, c):\n    return c.invoked_function_arn\n")
    lam.publish_version(FunctionName=name)
    response = lam.invoke(FunctionName=name, Qualifier="1")
    assert response["ExecutedVersion"] == "1"
    assert payload_of(response).endswith(f":function:{name}:1")


def test_handler_reaches_local_endpoint_without_configuration(
    aws: Any, lam: Any, make_function: Any
) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="from-handler")
    code = """
import boto3
def handler(event, context):
    boto3.client("s3").put_object(Bucket="from-handler", Key="k", Body=b"v")
    return "ok"
"""
    name = make_function(code)
    assert payload_of(lam.invoke(FunctionName=name)) == "ok"
    assert s3.get_object(Bucket="from-handler", Key="k")["Body"].read() == b"v"


TRACED = """
import os
def handler(event, context):
    return os.environ.get("_X_AMZN_TRACE_ID")
"""


def test_each_invocation_gets_its_own_trace_header(lam: Any, make_function: Any) -> None:
    """As on AWS, the runtime client puts the invocation's X-Ray trace header in
    _X_AMZN_TRACE_ID (the SDK, Powertools and loggers read it there)."""
    name = make_function(TRACED)
    before = int(time.time())
    traces = [payload_of(lam.invoke(FunctionName=name)) for _ in range(2)]
    found = [
        re.fullmatch(r"Root=1-([0-9a-f]{8})-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", t)
        for t in traces
    ]
    assert all(found) and traces[0] != traces[1]
    assert all(before <= int(m.group(1), 16) <= int(time.time()) for m in found if m)
