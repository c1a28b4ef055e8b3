from __future__ import annotations

import json
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


def create_stack(aws: LocalAWS, name: str, template: dict[str, Any]) -> dict[str, str]:
    """Create the stack (asserting CREATE_COMPLETE, with the failed resources' reasons) and
    return its outputs."""
    cfn = aws.client("cloudformation", config=NO_RETRY)
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    failed = [e.get("ResourceStatusReason") for e in events if "FAILED" in e["ResourceStatus"]]
    assert stack["StackStatus"] == "CREATE_COMPLETE", failed
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
