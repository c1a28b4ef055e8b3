"""Deploying a template from disk: what ``sam deploy`` does, over plain AWS API calls.

``package`` builds and uploads every local artefact as ``sam build`` + ``sam package`` do
(lablib.sam.package: code folders with their requirements, layer content, state machine and
API definitions, AWS::Include files) and rewrites the template to point at S3; ``lint``
runs cfn-lint; ``deploy`` creates or updates the stack and returns its final state. Everything goes
through boto3 against an endpoint, so it works against ``lablib serve`` too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lablib.sam.package import ARTIFACT_BUCKET, PackageError
from lablib.sam.package import package as package_template

__all__ = [
    "ARTIFACT_BUCKET",
    "DeployError",
    "DeployResult",
    "deploy",
    "describe",
    "lint",
    "package",
]


class DeployError(Exception):
    """A template or stack problem, with what to do about it."""


@dataclass
class LintFinding:
    rule: str
    level: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.rule} ({self.level}) {self.message}"


@dataclass
class DeployResult:
    stack_name: str
    status: str
    reason: str | None
    outputs: dict[str, str] = field(default_factory=dict)
    resources: list[dict[str, str]] = field(default_factory=list)
    events: list[dict[str, str]] = field(default_factory=list)
    lint: list[LintFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "NO_CHANGES")


def lint(template_text: str, region: str = "us-east-1") -> list[LintFinding]:
    """cfn-lint's errors and warnings for a template (SAM templates included)."""
    from cfnlint.api import ManualArgs
    from cfnlint.api import lint as cfn_lint

    found = []
    for match in cfn_lint(template_text, config=ManualArgs(regions=[region])):
        level = str(getattr(match.rule, "severity", "error"))
        found.append(LintFinding(match.rule.id, level, int(match.linenumber), match.message))
    return found


def sam_root_cause(text: str) -> str | None:
    """What AWS's SAM translator says is wrong, when it rejects the template: one sentence
    that cfn-lint's schema errors (every event type it could have been) bury."""
    from lablib.sam.template import load_template, transforms_of
    from lablib.sam.transform import SAM_TRANSFORM, TransformFailed, apply_sam

    try:
        template = load_template(text)
    except Exception:  # cfn-lint already says why it does not parse
        return None
    if SAM_TRANSFORM not in transforms_of(template):
        return None
    try:
        apply_sam(template, {}, "us-east-1", "123456789012")
    except TransformFailed as exc:
        return str(exc)
    return None


def package(
    template_path: str | Path,
    s3: Any,
    bucket: str = ARTIFACT_BUCKET,
    build: bool = True,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Build and upload local artefacts (see lablib.sam.package); return the new template."""
    try:
        return package_template(template_path, s3, bucket, build, log)
    except PackageError as exc:
        raise DeployError(str(exc)) from None


def deploy(
    template_path: str | Path,
    stack_name: str,
    cloudformation: Any,
    s3: Any,
    parameters: dict[str, str] | None = None,
    run_lint: bool = True,
    build: bool = True,
    log: Callable[[str], None] | None = None,
) -> DeployResult:
    """Package, lint, then create (or update) the stack; return how it ended."""
    text = Path(template_path).read_text() if Path(template_path).is_file() else ""
    findings = lint(text) if run_lint and text else []
    # The root cause first: template-level errors (E0xxx: parsing, the SAM transform) explain
    # the rest, then the others by line.
    errors = sorted(
        (f for f in findings if f.level == "error"),
        key=lambda f: (not f.rule.startswith("E0"), f.line),
    )
    if errors:
        listed = "\n  ".join(str(f) for f in errors)
        cause = sam_root_cause(text)
        first = f"\n  root cause: {cause}" if cause else ""
        raise DeployError(
            f"{template_path}: cfn-lint found errors; fix them first:{first}\n  {listed}"
        )
    body = json.dumps(package(template_path, s3, build=build, log=log))
    params = [{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()]
    existing = _status(cloudformation, stack_name)
    if existing == "ROLLBACK_COMPLETE":
        cloudformation.delete_stack(StackName=stack_name)
        existing = None
    kwargs: dict[str, Any] = {
        "StackName": stack_name,
        "TemplateBody": body,
        "Parameters": params,
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    }
    if existing is None:
        cloudformation.create_stack(**kwargs)
    else:
        from botocore.exceptions import ClientError

        try:
            cloudformation.update_stack(**kwargs)
        except ClientError as exc:
            if "No updates are to be performed" not in str(exc):
                raise
            result = describe(cloudformation, stack_name)
            result.status, result.lint = "NO_CHANGES", findings
            return result
    result = describe(cloudformation, stack_name)
    result.lint = findings
    return result


def _status(cloudformation: Any, stack_name: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError:
        return None
    return str(stacks[0]["StackStatus"]) if stacks else None


def describe(cloudformation: Any, stack_name: str) -> DeployResult:
    """The stack's status, reason, outputs, resources and events (oldest event first)."""
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
    summaries = cloudformation.list_stack_resources(StackName=stack_name)
    resources = [
        {
            "LogicalResourceId": r["LogicalResourceId"],
            "ResourceType": r["ResourceType"],
            "PhysicalResourceId": r.get("PhysicalResourceId", ""),
        }
        for r in summaries["StackResourceSummaries"]
    ]
    events = [
        {
            "LogicalResourceId": e["LogicalResourceId"],
            "ResourceType": e["ResourceType"],
            "ResourceStatus": e["ResourceStatus"],
            "ResourceStatusReason": e.get("ResourceStatusReason", ""),
        }
        for e in reversed(cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"])
    ]
    return DeployResult(
        stack_name, stack["StackStatus"], stack.get("StackStatusReason"), outputs, resources, events
    )
