"""Fixtures shared with the runtime tests: a session-wide local AWS and boto3 clients.

``role`` gets its own name here: moto's IAM is shared by every local AWS in the process, so
a second ``lab-role`` (tests/lambda_rt creates one) would collide."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.lambda_rt.conftest import aws, lam, make_function

__all__ = ["aws", "lam", "make_function", "role"]


@pytest.fixture(scope="package")
def role(aws: Any) -> str:
    name = f"lab-role-{uuid.uuid4().hex[:8]}"
    arn: str = aws.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"][
        "Arn"
    ]
    return arn
