"""IAM learning mode: handler calls are checked against the execution role's policies."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.aws.server import LocalAWS
from lablib.iam_mode import CONTROL_PATH, learning_mode

from .conftest import LAMBDA_TRUST, NO_RETRY, handler_zip, invoke


@pytest.fixture
def bucket(aws: LocalAWS) -> str:
    name = f"invoices-{uuid.uuid4().hex[:8]}"
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="a.txt", Body=b"invoice A")
    return name


def _expected(role: str, fn: str, action: str, resource: str) -> str:
    return (
        f"User: arn:aws:sts::123456789012:assumed-role/{role}/{fn} is not authorized to perform: "
        f"{action} on resource: {resource} because no identity-based policy allows the "
        f"{action} action"
    )


def test_off_by_default(aws: LocalAWS, basic_role: Any, make: Any, bucket: str) -> None:
    assert learning_mode(aws.endpoint) is False
    name = make("read_invoice", basic_role[1], BUCKET=bucket)
    error, body = invoke(aws, name, {"key": "a.txt"})
    assert error is None and body["text"] == "invoice A"


def test_sp_missing_permission_access_denied(
    aws: LocalAWS, learning: None, basic_role: Any, make: Any, bucket: str
) -> None:
    """Verifies: sp.missing-permission-access-denied

    A handler whose role has only the basic logging permissions calls s3.get_object: the
    synchronous invoke is a 200 with a function error, errorType ClientError, and AWS's
    AccessDenied sentence; adding s3:GetObject to the role fixes it."""
    role_name, role_arn = basic_role
    name = make("read_invoice", role_arn, BUCKET=bucket)
    error, body = invoke(aws, name, {"key": "a.txt"})
    assert error == "Unhandled"
    # botocore models S3's AccessDenied as a ClientError subclass; older SDKs say ClientError.
    assert body["errorType"] in ("AccessDenied", "ClientError")
    expected = _expected(role_name, name, "s3:GetObject", f'"arn:aws:s3:::{bucket}/a.txt"')
    assert body["errorMessage"] == (
        f"An error occurred (AccessDenied) when calling the GetObject operation: {expected}"
    )
    aws.client("iam").put_role_policy(
        RoleName=role_name,
        PolicyName="read-invoices",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                    }
                ],
            }
        ),
    )
    error, body = invoke(aws, name, {"key": "a.txt"})
    assert error is None and body["text"] == "invoice A"


def test_explicit_deny_wins(
    aws: LocalAWS, learning: None, basic_role: Any, make: Any, bucket: str
) -> None:
    role_name, role_arn = basic_role
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:Get*", "Resource": f"arn:aws:s3:::{bucket}/*"},
        ],
    }
    aws.client("iam").put_role_policy(
        RoleName=role_name, PolicyName="deny", PolicyDocument=json.dumps(document)
    )
    name = make("read_invoice", role_arn, BUCKET=bucket)
    error, body = invoke(aws, name, {"key": "a.txt"})
    assert error == "Unhandled"
    assert body["errorMessage"].endswith(
        f'on resource: "arn:aws:s3:::{bucket}/a.txt" with an explicit deny in an '
        "identity-based policy"
    )


def test_json_protocol_services_get_access_denied_exception(
    aws: LocalAWS, learning: None, basic_role: Any
) -> None:
    role_name, role_arn = basic_role
    table = f"t-{uuid.uuid4().hex[:6]}"
    aws.client("dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    code = (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('dynamodb').put_item(TableName=event['t'], Item={'id': {'S': '1'}})\n"
    )
    name = f"fn-{uuid.uuid4().hex[:8]}"
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", code)
    aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role_arn,
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
    )
    error, body = invoke(aws, name, {"t": table})
    assert error == "Unhandled"
    resource = f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}"
    assert body["errorMessage"] == (
        "An error occurred (AccessDeniedException) when calling the PutItem operation: "
        + _expected(role_name, name, "dynamodb:PutItem", resource)
    )


def test_callers_outside_functions_are_not_checked(
    aws: LocalAWS, learning: None, bucket: str
) -> None:
    body = aws.client("s3").get_object(Bucket=bucket, Key="a.txt")["Body"].read()
    assert body == b"invoice A"


def test_sp_trust_policy_lambda_principal(aws: LocalAWS, learning: None) -> None:
    """Verifies: sp.trust-policy-lambda-principal

    An execution role must trust lambda.amazonaws.com (sts:AssumeRole); with a role that
    trusts another service, CreateFunction is refused."""
    iam = aws.client("iam")
    ec2_trust = LAMBDA_TRUST.replace("lambda.amazonaws.com", "ec2.amazonaws.com")
    wrong = iam.create_role(
        RoleName=f"ec2-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument=ec2_trust
    )
    right = iam.create_role(
        RoleName=f"fn-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument=LAMBDA_TRUST
    )
    lam = aws.client("lambda", config=NO_RETRY)
    spec: dict[str, Any] = {
        "Runtime": "python3.12",
        "Handler": "flaky.handler",
        "Code": {"ZipFile": handler_zip("flaky.py")},
    }
    with pytest.raises(ClientError) as caught:
        lam.create_function(
            FunctionName=f"x-{uuid.uuid4().hex[:6]}", Role=wrong["Role"]["Arn"], **spec
        )
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert caught.value.response["Error"]["Message"] == (
        "The role defined for the function cannot be assumed by Lambda."
    )
    lam.create_function(FunctionName=f"y-{uuid.uuid4().hex[:6]}", Role=right["Role"]["Arn"], **spec)


def test_policy_that_is_not_json_is_rejected(aws: LocalAWS, basic_role: Any) -> None:
    with pytest.raises(ClientError) as caught:
        aws.client("iam").put_role_policy(
            RoleName=basic_role[0], PolicyName="broken", PolicyDocument="{not json"
        )
    assert caught.value.response["Error"]["Code"] == "MalformedPolicyDocument"


def test_control_endpoint_rejects_bad_bodies(aws: LocalAWS) -> None:
    request = urllib.request.Request(aws.endpoint + CONTROL_PATH, data=b'{"on": 1}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 400
    caught.value.close()
