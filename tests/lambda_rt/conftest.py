from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config

from lablib.aws.server import LocalAWS

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60)


def zip_of(files: dict[str, str | bytes], modes: dict[str, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((modes or {}).get(name, 0o644)) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


@pytest.fixture(scope="package")
def aws() -> Iterator[LocalAWS]:
    local = LocalAWS().start()
    try:
        yield local
    finally:
        local.stop()


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
