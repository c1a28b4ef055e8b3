"""Lab 06's stage-config check against typical wrong answers, made through boto3 as a learner
would: each fails with its own diagnosis (the step and its hint), the reference passes."""

from __future__ import annotations

from typing import Any

import pytest

import lablib.labs.serverless_practices.checks  # noqa: F401  (registers the checks)
from lablib.exercises import check
from lablib.notebook._aws import client
from tests.support import running_aws

aws = pytest.fixture(scope="module", name="aws")(running_aws)
TABLE, SECRET = "/orders/prod/table", "/orders/prod/db-password"


@pytest.fixture(scope="module")
def key_id(aws: object) -> str:
    """The lab's KMS key (step 6 creates it), with the dev stage's parameters."""
    ssm = client("ssm")
    key: str = client("kms").create_key(Description="sp orders configuration")["KeyMetadata"][
        "KeyId"
    ]
    ssm.put_parameter(Name="/orders/dev/table", Value="orders-dev", Type="String")
    ssm.put_parameter(
        Name="/orders/dev/db-password", Value="dev-s3cret-7", Type="SecureString", KeyId=key
    )
    return key


def put(name: str, value: str, kind: str = "String", **extra: Any) -> None:
    client("ssm").put_parameter(Name=name, Value=value, Type=kind, Overwrite=True, **extra)


def learner_cell(mistake: str, key: str) -> None:
    """The exercise cell as written with one mistake (or none, for "the reference")."""
    table = {
        "the dev value": ("orders-dev", "String"),
        "table as a SecureString": ("orders-prod", "SecureString"),
    }.get(mistake, ("orders-prod", "String"))
    secret: dict[str, Any] = {"kind": "SecureString", "KeyId": key}
    if mistake == "password as a String":
        secret = {"kind": "String"}
    elif mistake == "the default key":
        secret = {"kind": "SecureString"}
    prefix = "/prod/orders/" if mistake == "stage after the app" else "/orders/prod/"
    if mistake != "nothing created":
        put(prefix + "table", table[0], table[1])
        put(prefix + "db-password", "prod-0123456789", **secret)


def clean() -> None:
    ssm = client("ssm")
    for name in (TABLE, SECRET, "/prod/orders/table", "/prod/orders/db-password"):
        try:
            ssm.delete_parameter(Name=name)
        except ssm.exceptions.ParameterNotFound:
            pass


WRONG: list[tuple[str, str, str]] = [
    ("nothing created", "exists as a String", "no /orders/prod/ parameters"),
    ("stage after the app", "exists as a String", "found /prod/orders/db-password"),
    ("table as a SecureString", "exists as a String", "the table name is not a secret"),
    ("password as a String", "is a SecureString", "never be a plain String"),
    ("the default key", "encrypted with the lab's KMS key", "alias/aws/ssm"),
    ("the dev value", "loads table orders-prod", "exactly orders-prod"),
]


def test_stage_config_wrong_answers(key_id: str) -> None:
    seen = {}
    for mistake, step, words in WRONG:
        clean()
        learner_cell(mistake, key_id)
        result = check("serverless-practices/stage-config", key_id=key_id)
        assert not result.passed, mistake
        failure = result.failure
        assert failure is not None and step in failure.what, (mistake, repr(result))
        assert words in failure.got + failure.hint, (mistake, repr(result))
        seen[mistake] = f"{failure.what} | {failure.got} | {failure.hint}"
    assert len(set(seen.values())) == len(seen), seen
    clean()
    learner_cell("the reference", key_id)
    assert check("serverless-practices/stage-config", key_id=key_id).passed
