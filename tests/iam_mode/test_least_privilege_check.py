"""Lab 06's least-privilege check: the answer passes; a policy for any bucket, a pattern of
buckets, another bucket, the bucket ARN alone, extra or wildcard actions and a stale wider
policy each fail with their own diagnosis, without a raw exception."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

import lablib.labs.serverless_practices.checks  # noqa: F401  (registers the checks)
from lablib.aws.server import LocalAWS
from lablib.exercises import check
from tests.iam_mode.conftest import BASIC, LAMBDA_TRUST, handler_zip

BUCKET = "sp-check-invoices"


def policy(action: Any = "s3:GetObject", resource: Any = f"arn:aws:s3:::{BUCKET}/*") -> Any:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
    }


@pytest.fixture(scope="module")
def reader(aws: LocalAWS) -> str:
    """The invoice reader of exercise 1 with a logging-only role; returns the function name."""
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="2024/inv-001.txt", Body=b"invoice 001")
    iam = aws.client("iam")
    name = f"sp-check-reader-{uuid.uuid4().hex[:6]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="basic-logs", PolicyDocument=BASIC)
    lam = aws.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=arn,
        Handler="read_invoice.handler",
        Code={"ZipFile": handler_zip("read_invoice.py")},
        Environment={"Variables": {"BUCKET": BUCKET}},
        Timeout=10,
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def run_check(aws: LocalAWS, reader: str, document: Any, attach: bool = True) -> Any:
    iam = aws.client("iam")
    for name in iam.list_role_policies(RoleName=reader)["PolicyNames"]:
        if name != "basic-logs":
            iam.delete_role_policy(RoleName=reader, PolicyName=name)
    if attach and isinstance(document, dict):
        try:
            iam.put_role_policy(
                RoleName=reader, PolicyName="read-invoices", PolicyDocument=json.dumps(document)
            )
        except ClientError:  # IAM refuses some (no Resource): the check must still explain
            pass
    return check(
        "serverless-practices/least-privilege",
        policy=document,
        role=reader,
        function=reader,
        bucket=BUCKET,
    )


WRONG: list[tuple[str, Any, str]] = [
    ("unfilled", ..., "READ_POLICY is filled in"),
    ("not a policy", "s3:GetObject", "policy document with statements"),
    ("any action", policy(action="s3:*"), "no wildcard action"),
    ("a pattern of actions", policy(action="s3:Get*"), "no wildcard action"),
    ("an extra action", policy(action=["s3:GetObject", "s3:PutObject"]), "only s3:GetObject"),
    ("any resource", policy(resource="*"), "not a pattern of buckets"),
    ("any bucket's objects", policy(resource="arn:aws:s3:::*/*"), "not a pattern of buckets"),
    ("a bucket prefix", policy(resource="arn:aws:s3:::sp-*/*"), "not a pattern of buckets"),
    ("another bucket", policy(resource="arn:aws:s3:::sp-reports/*"), "in bucket"),
    ("the bucket ARN only", policy(resource=f"arn:aws:s3:::{BUCKET}"), "covers the objects"),
    ("no resource", policy(resource=[]), "names a resource"),
]


def test_the_answer_passes(aws: LocalAWS, reader: str) -> None:
    result = run_check(aws, reader, policy())
    assert result.passed, repr(result)


@pytest.mark.parametrize(("label", "document", "step"), WRONG, ids=[w[0] for w in WRONG])
def test_each_wrong_policy_gets_its_own_diagnosis(
    aws: LocalAWS, reader: str, label: str, document: Any, step: str
) -> None:
    result = run_check(aws, reader, document)
    assert not result.passed, f"{label}: passed"
    failure = result.failure
    assert failure is not None and step in failure.what, (label, repr(result))
    assert failure.hint and "check could run" not in failure.what, (label, repr(result))


def test_a_policy_not_attached_is_named(aws: LocalAWS, reader: str) -> None:
    result = run_check(aws, reader, policy(), attach=False)
    assert result.failure is not None and "is attached to role" in result.failure.what


def test_a_stale_wider_policy_left_on_the_role_is_named(aws: LocalAWS, reader: str) -> None:
    run_check(aws, reader, policy())
    iam = aws.client("iam")
    iam.put_role_policy(
        RoleName=reader,
        PolicyName="first-try",
        PolicyDocument=json.dumps(policy(action="s3:*", resource="*")),
    )
    result = check(
        "serverless-practices/least-privilege",
        policy=policy(),
        role=reader,
        function=reader,
        bucket=BUCKET,
    )
    assert result.failure is not None and "no other inline policy" in result.failure.what


def test_a_missing_function_or_role_is_explained(aws: LocalAWS, reader: str) -> None:
    result = check(
        "serverless-practices/least-privilege",
        policy=policy(),
        role="sp-no-such-role",
        function="sp-no-such-function",
        bucket=BUCKET,
    )
    assert result.failure is not None and "role sp-no-such-role exists" in result.failure.what
