"""Small set-up helpers for the Step Functions lab, all through boto3 and safe to re-run.

``role(iam)`` returns a role Step Functions and Lambda can use; ``deploy_function`` zips a
handler file from labs/functions/ and creates (or updates) the function;
``state_machine`` validates a definition locally (clear errors before AWS sees it) and
creates or updates the state machine, returning its ARN.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from lablib.stepfunctions.validate import validate

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["states.amazonaws.com", "lambda.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ],
}


def role(iam: Any, name: str = "lab-step-functions") -> str:
    """The ARN of a role trusted by Step Functions and Lambda (created once)."""
    try:
        arn: str = iam.get_role(RoleName=name)["Role"]["Arn"]
        return arn
    except iam.exceptions.NoSuchEntityException:
        created: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))[
            "Role"
        ]["Arn"]
        return created


def _zip(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo(path.name), path.read_text())
    return buffer.getvalue()


def deploy_function(
    lam: Any, role_arn: str, path: str | Path, name: str | None = None, timeout: int = 3
) -> str:
    """Create or update a Python function from one handler file; returns its ARN."""
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"no handler file at {source}; expected labs/functions/...py")
    name = name or source.stem.replace("_", "-")
    code = _zip(source)
    try:
        lam.get_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        arn: str = lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role_arn,
            Handler=f"{source.stem}.handler",
            Code={"ZipFile": code},
            Timeout=timeout,
        )["FunctionArn"]
        return arn
    lam.update_function_code(FunctionName=name, ZipFile=code)
    # A second update while the first is InProgress fails on AWS (ResourceConflictException).
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 600}
    )
    updated: str = lam.update_function_configuration(FunctionName=name, Timeout=timeout)[
        "FunctionArn"
    ]
    return updated


def state_machine(
    sfn: Any,
    name: str,
    definition: str | dict[str, Any],
    role_arn: str,
    kind: str = "STANDARD",
) -> str:
    """Validate ``definition`` locally, then create (or update) the state machine."""
    parsed = validate(definition)
    text = json.dumps(parsed, indent=2)
    for machine in sfn.list_state_machines()["stateMachines"]:
        if machine["name"] == name:
            arn: str = machine["stateMachineArn"]
            described = sfn.describe_state_machine(stateMachineArn=arn)
            if described.get("type", "STANDARD") == kind:
                sfn.update_state_machine(stateMachineArn=arn, definition=text, roleArn=role_arn)
                return arn
            sfn.delete_state_machine(stateMachineArn=arn)
    created: str = sfn.create_state_machine(
        name=name, definition=text, roleArn=role_arn, type=kind
    )["stateMachineArn"]
    return created
