"""Custom runtimes: a bootstrap that exits before asking for work is Runtime.ExitError."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config

from lablib.aws.server import LocalAWS

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60)


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalAWS]:
    local = LocalAWS().start()
    try:
        yield local
    finally:
        local.stop()


def test_bootstrap_that_exits_at_once_is_runtime_exit_error(aws: LocalAWS) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        archive.writestr(info, "#!/bin/sh\necho 'starting, then giving up'\nexit 3\n")
    role = aws.client("iam").create_role(
        RoleName=f"r-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    name = f"fn-{uuid.uuid4().hex[:8]}"
    lam: Any = aws.client("lambda", config=NO_RETRY)
    lam.create_function(
        FunctionName=name,
        Runtime="provided.al2023",
        Role=role,
        Handler="unused",
        Code={"ZipFile": buffer.getvalue()},
    )
    reply = lam.invoke(FunctionName=name, Payload=b"{}")
    assert reply["StatusCode"] == 200
    assert reply["FunctionError"] == "Unhandled"
    body = json.loads(reply["Payload"].read())
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")
