"""Deploying a template from disk: what ``sam deploy`` does, over plain AWS API calls.

``package`` zips every local ``CodeUri``/``ContentUri`` folder (or file) into an S3
artifacts bucket and rewrites the template to point at it; ``lint`` runs cfn-lint;
``deploy`` creates or updates the stack and returns its final state. Everything goes
through boto3 against an endpoint, so it works against ``lablib serve`` too.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lablib.sam.template import load_template

ARTIFACT_BUCKET = "lablib-sam-artifacts"
_CODE_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


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


def _zip_path(source: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        files = (
            [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        )
        for path in files:
            if "__pycache__" in path.parts:
                continue
            name = path.name if source.is_file() else path.relative_to(source).as_posix()
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (path.stat().st_mode & 0o777) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def package(template_path: str | Path, s3: Any, bucket: str = ARTIFACT_BUCKET) -> dict[str, Any]:
    """Upload local code folders and return the template pointing at them (s3://...)."""
    path = Path(template_path)
    if not path.is_file():
        raise DeployError(f"{path}: no such template file")
    template = load_template(path.read_text())
    base = path.parent
    uploads: dict[str, str] = {}

    def upload(value: Any, where: str) -> Any:
        if not isinstance(value, str) or value.startswith("s3://"):
            return value
        source = (base / value).resolve()
        if not source.exists():
            raise DeployError(f"{path}: {where} points at {value!r}, which does not exist")
        if str(source) not in uploads:
            data = _zip_path(source)
            key = hashlib.sha256(data).hexdigest() + ".zip"
            _ensure_bucket(s3, bucket)
            s3.put_object(Bucket=bucket, Key=key, Body=data)
            uploads[str(source)] = f"s3://{bucket}/{key}"
        return uploads[str(source)]

    glob = (template.get("Globals") or {}).get("Function") or {}
    if "CodeUri" in glob:
        glob["CodeUri"] = upload(glob["CodeUri"], "Globals.Function.CodeUri")
    for logical_id, resource in (template.get("Resources") or {}).items():
        prop = _CODE_PROPERTIES.get(str(resource.get("Type")))
        props = resource.get("Properties") or {}
        if prop and prop in props:
            props[prop] = upload(props[prop], f"Resources.{logical_id}.Properties.{prop}")
    return template


def _ensure_bucket(s3: Any, bucket: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
    except Exception:  # noqa: BLE001 - any miss means: create it
        s3.create_bucket(Bucket=bucket)


def deploy(
    template_path: str | Path,
    stack_name: str,
    cloudformation: Any,
    s3: Any,
    parameters: dict[str, str] | None = None,
    run_lint: bool = True,
) -> DeployResult:
    """Package, lint, then create (or update) the stack; return how it ended."""
    text = Path(template_path).read_text() if Path(template_path).is_file() else ""
    findings = lint(text) if run_lint and text else []
    errors = [f for f in findings if f.level == "error"]
    if errors:
        listed = "\n  ".join(str(f) for f in errors)
        raise DeployError(f"{template_path}: cfn-lint found errors; fix them first:\n  {listed}")
    body = json.dumps(package(template_path, s3))
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
