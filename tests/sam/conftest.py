from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY, running_aws

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "labs" / "functions" / "serverless-practices"


aws = pytest.fixture(scope="package", name="aws")(running_aws)


@pytest.fixture(scope="package")
def cfn(aws: LocalAWS) -> Any:
    return aws.client("cloudformation", config=NO_RETRY)


@pytest.fixture
def stack_name() -> str:
    return f"st-{uuid.uuid4().hex[:8]}"
