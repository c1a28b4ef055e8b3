from __future__ import annotations

import uuid
from typing import Any

import pytest

from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY, running_aws, zip_of

aws = pytest.fixture(scope="package", name="aws")(running_aws)


@pytest.fixture(scope="package")
def lam(aws: LocalAWS) -> Any:
    return aws.client("lambda", config=NO_RETRY)


@pytest.fixture(scope="package")
def role(aws: LocalAWS) -> str:
    iam = aws.client("iam")
    arn: str = iam.create_role(RoleName="lab-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return arn


@pytest.fixture
def make_function(lam: Any, role: str) -> Any:
    def make(code: str, name: str | None = None, **config: Any) -> str:
        name = name or f"fn-{uuid.uuid4().hex[:10]}"
        files = config.pop("files", None) or {"app.py": code}
        lam.create_function(
            FunctionName=name,
            Runtime=config.pop("Runtime", "python3.12"),
            Role=role,
            Handler=config.pop("Handler", "app.handler"),
            Code={"ZipFile": zip_of(files, config.pop("modes", None))},
            **config,
        )
        return name

    return make


def payload_of(response: dict[str, Any]) -> Any:
    import json

    return json.loads(response["Payload"].read() or b"null")
