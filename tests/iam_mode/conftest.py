from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lablib.aws.server import LocalAWS
from lablib.iam_mode import set_learning_mode
from tests.support import NO_RETRY, running_aws

HANDLERS = Path(__file__).resolve().parents[2] / "labs/functions/serverless-practices/handlers"
LAMBDA_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
# The permissions of AWSLambdaBasicExecutionRole, as an inline policy.
BASIC = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "*",
            }
        ],
    }
)


def handler_zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, (HANDLERS / name).read_text())
    return buffer.getvalue()


aws = pytest.fixture(scope="package", name="aws")(running_aws)


@pytest.fixture
def learning(aws: LocalAWS) -> Iterator[None]:
    set_learning_mode(aws.endpoint, True)
    try:
        yield
    finally:
        set_learning_mode(aws.endpoint, False)


@pytest.fixture
def basic_role(aws: LocalAWS) -> tuple[str, str]:
    """A role with only the basic logging permissions: (name, arn)."""
    iam = aws.client("iam")
    name = f"role-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="basic-logging", PolicyDocument=BASIC)
    return name, arn


@pytest.fixture
def make(aws: LocalAWS) -> Any:
    lam = aws.client("lambda", config=NO_RETRY)

    def create(handler: str, role_arn: str, **env: str) -> str:
        name = f"fn-{uuid.uuid4().hex[:8]}"
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role_arn,
            Handler=f"{handler}.handler",
            Code={"ZipFile": handler_zip(f"{handler}.py")},
            Environment={"Variables": env},
            Timeout=10,
        )
        return name

    return create


def invoke(aws: LocalAWS, name: str, event: dict[str, Any]) -> tuple[str | None, Any]:
    lam = aws.client("lambda", config=NO_RETRY)
    reply = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    return reply.get("FunctionError"), json.loads(reply["Payload"].read())
