"""Lab 06's protect-db check: reserved concurrency 0 (the function switched off), a cap above
the database's 4 connections, no cap and a missing function each get their own diagnosis."""

from __future__ import annotations

import uuid

import pytest

import lablib.labs.serverless_practices.checks  # noqa: F401  (registers the checks)
from lablib.aws.server import LocalAWS
from lablib.exercises import check
from tests.iam_mode.conftest import handler_zip


@pytest.fixture(scope="module")
def writer(aws: LocalAWS) -> str:
    iam = aws.client("iam")
    name = f"sp-check-writer-{uuid.uuid4().hex[:6]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = aws.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=arn,
        Handler="db_writer.handler",
        Code={"ZipFile": handler_zip("db_writer.py")},
        Timeout=5,
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


@pytest.mark.parametrize(
    ("reserved", "hint"),
    [(None, "put_function_concurrency"), (0, "switched off"), (6, "more than 4 copies")],
)
def test_each_wrong_cap_gets_its_own_hint(
    aws: LocalAWS, writer: str, reserved: int | None, hint: str
) -> None:
    lam = aws.client("lambda")
    if reserved is None:
        lam.delete_function_concurrency(FunctionName=writer)
    else:
        lam.put_function_concurrency(FunctionName=writer, ReservedConcurrentExecutions=reserved)
    result = check("serverless-practices/protect-db", function=writer)
    failure = result.failure
    assert failure is not None and "reserved concurrency 4" in failure.what, repr(result)
    assert hint in failure.hint, repr(result)


def test_a_missing_function_is_explained(aws: LocalAWS) -> None:
    result = check("serverless-practices/protect-db", function="sp-no-such-writer")
    assert result.failure is not None and "exists" in result.failure.what, repr(result)
