"""Configuration on the local AWS: per-stage environment, SSM SecureString, client-side KMS."""

from __future__ import annotations

import base64
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.aws.server import LocalAWS

from .conftest import NO_RETRY

HANDLERS = Path(__file__).resolve().parents[2] / "labs/functions/serverless-practices/handlers"


def _zip(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, (HANDLERS / name).read_text())
    return buffer.getvalue()


@pytest.fixture(scope="module")
def role(aws: LocalAWS) -> str:
    iam = aws.client("iam")
    name = f"cfg-{uuid.uuid4().hex[:6]}"
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return arn


def _function(aws: LocalAWS, role: str, handler: str, **config: Any) -> str:
    name = f"fn-{uuid.uuid4().hex[:8]}"
    aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler=f"{handler}.handler",
        Code={"ZipFile": _zip(f"{handler}.py")},
        **config,
    )
    return name


def _invoke(aws: LocalAWS, name: str, event: Any) -> Any:
    reply = aws.client("lambda", config=NO_RETRY).invoke(
        FunctionName=name, Payload=json.dumps(event).encode()
    )
    body = json.loads(reply["Payload"].read())
    assert reply.get("FunctionError") is None, body
    return body


def test_sp_ssm_securestring_decrypt(aws: LocalAWS, role: str) -> None:
    """Verifies: sp.ssm-securestring-decrypt

    A SecureString read without WithDecryption is not the plaintext; with it, the handler
    gets the value. Each stage reads its own /orders/<stage>/ parameters."""
    ssm = aws.client("ssm")
    key = aws.client("kms").create_key(Description="orders config")["KeyMetadata"]["KeyId"]
    for stage, password in (("dev", "dev-pass-1"), ("prod", "prod-pass-22")):
        ssm.put_parameter(Name=f"/orders/{stage}/table", Value=f"orders-{stage}", Type="String")
        ssm.put_parameter(
            Name=f"/orders/{stage}/db-password", Value=password, Type="SecureString", KeyId=key
        )
    for stage, password in (("dev", "dev-pass-1"), ("prod", "prod-pass-22")):
        name = _function(aws, role, "config_reader", Environment={"Variables": {"STAGE": stage}})
        body = _invoke(aws, name, {"expect": password})
        assert body == {
            "stage": stage,
            "table": f"orders-{stage}",
            "password_length": len(password),
            "password_ok": True,
            "without_decryption_is_plaintext": False,
        }


def test_client_side_kms_in_handler(aws: LocalAWS, role: str) -> None:
    kms = aws.client("kms")
    key = kms.create_key(Description="api keys")["KeyMetadata"]["KeyId"]
    sealed = kms.encrypt(KeyId=key, Plaintext=b"sk-live-1234abcd")["CiphertextBlob"]
    variables = {"KEY_ID": key, "API_KEY_ENCRYPTED": base64.b64encode(sealed).decode()}
    name = _function(aws, role, "kms_secret", Environment={"Variables": variables})
    body = _invoke(aws, name, {"text": "card 4111"})
    assert body["api_key_suffix"] == "abcd"
    assert body["round_trip"] is True
    assert body["ciphertext_bytes"] > len("card 4111")
    config = aws.client("lambda").get_function_configuration(FunctionName=name)
    assert "sk-live" not in json.dumps(config)  # only ciphertext is stored in the function


def test_sp_env_vars_visible(aws: LocalAWS, role: str) -> None:
    """Verifies: sp.env-vars-visible

    Environment variables set on the function are in os.environ for the handler."""
    code = "import os\nTABLE = os.environ['TABLE_NAME']\ndef handler(e, c):\n    return TABLE\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", code)
    name = f"fn-{uuid.uuid4().hex[:8]}"
    aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
        Environment={"Variables": {"TABLE_NAME": "orders-dev"}},
    )
    assert _invoke(aws, name, {}) == "orders-dev"


def test_sp_reserved_env_var_rejected(aws: LocalAWS, role: str) -> None:
    """Verifies: sp.reserved-env-var-rejected

    AWS_REGION is reserved: Lambda refuses a configuration that sets it."""
    name = _function(aws, role, "flaky")
    with pytest.raises(ClientError) as caught:
        aws.client("lambda").update_function_configuration(
            FunctionName=name, Environment={"Variables": {"AWS_REGION": "eu-west-1"}}
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert "Reserved keys used in this request: AWS_REGION" in error["Message"]


def test_per_stage_environment_from_sam_parameter(aws: LocalAWS, cfn: Any, stack_name: str) -> None:
    from lablib.sam.deploy import deploy

    from .conftest import APP

    for stage in ("dev", "prod"):
        result = deploy(
            APP / "template.yaml",
            f"{stack_name}-{stage}",
            cfn,
            aws.client("s3"),
            {"Stage": stage},
        )
        config = aws.client("lambda").get_function_configuration(
            FunctionName=result.outputs["OrdersFunctionName"]
        )
        assert config["Environment"]["Variables"]["STAGE"] == stage
