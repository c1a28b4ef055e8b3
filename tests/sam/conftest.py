from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from lablib.aws.server import LocalAWS

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "labs" / "functions" / "serverless-practices"
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60)


@pytest.fixture(scope="package")
def aws() -> Iterator[LocalAWS]:
    local = LocalAWS().start()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="package")
def cfn(aws: LocalAWS) -> Any:
    return aws.client("cloudformation", config=NO_RETRY)


@pytest.fixture
def stack_name() -> str:
    return f"st-{uuid.uuid4().hex[:8]}"
