"""The checks CloudFormation runs before it creates anything: resource types and references.

Messages are AWS's. A failing check means nothing is created: on ``CreateStack`` without a
transform it is a ``ValidationError``; after a transform it fails the stack
(``ROLLBACK_COMPLETE``), as AWS does, because transforms run after the call returned.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

from lablib.sam.template import TemplateError

PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)
_SUB_VARIABLE = re.compile(r"\$\{([^!][^}]*)\}")


@functools.lru_cache(maxsize=1)
def aws_resource_types() -> frozenset[str]:
    """Every resource type CloudFormation knows (from the schemas cfn-lint ships)."""
    data = resources.files("cfnlint") / "data" / "schemas" / "providers" / "us-east-1.json"
    return frozenset(json.loads(data.read_text()))


def validate(template: dict[str, Any]) -> None:
    """Raise TemplateError for a template CloudFormation would reject."""
    found = template.get("Resources")
    if not isinstance(found, dict) or not found:
        raise TemplateError("Template format error: At least one Resources member must be defined.")
    resources_: dict[str, Any] = found
    unknown = []
    for logical_id, resource in resources_.items():
        if not isinstance(resource, dict) or "Type" not in resource:
            raise TemplateError(
                f"Template format error: [/Resources/{logical_id}] Every Resources object must "
                "contain a Type member."
            )
        kind = resource["Type"]
        if not isinstance(kind, str) or not _known_type(kind):
            unknown.append(str(kind))
    if unknown:
        raise TemplateError(
            f"Template format error: Unrecognized resource types: [{', '.join(sorted(unknown))}]"
        )
    names = set(resources_) | set(template.get("Parameters") or {}) | PSEUDO_PARAMETERS
    for block in ("Resources", "Outputs"):
        section = template.get(block) or {}
        missing: list[str] = []
        for logical_id, body in section.items():
            if block == "Resources":
                depends = body.get("DependsOn") or []
                for target in [depends] if isinstance(depends, str) else depends:
                    if target not in resources_:
                        missing.append(target)
            for kind, target in references(body):
                if kind == "GetAtt" and target not in resources_:
                    raise TemplateError(
                        f"Template error: instance of Fn::GetAtt references undefined resource "
                        f"{target}"
                    )
                if target not in names and target not in missing:
                    missing.append(target)
            del logical_id
        if missing:
            raise TemplateError(
                f"Template format error: Unresolved resource dependencies [{', '.join(missing)}] "
                f"in the {block} block of the template"
            )


def _known_type(kind: str) -> bool:
    return (
        kind.startswith("Custom::")
        or kind == "AWS::CloudFormation::CustomResource"
        or kind in aws_resource_types()
    )


def references(value: Any, local: frozenset[str] = frozenset()) -> Iterator[tuple[str, str]]:
    """Yield ("Ref" | "GetAtt" | "Sub", logical id) for every reference inside value."""
    if isinstance(value, list):
        for item in value:
            yield from references(item, local)
    elif isinstance(value, dict):
        if len(value) == 1 and "Ref" in value and isinstance(value["Ref"], str):
            yield "Ref", value["Ref"]
            return
        if len(value) == 1 and "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            if isinstance(target, str):
                target = target.split(".", 1)
            if isinstance(target, list) and target and isinstance(target[0], str):
                yield "GetAtt", target[0]
            return
        if len(value) == 1 and "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            variables: dict[str, Any] = {}
            if isinstance(sub, list) and sub:
                variables = sub[1] if len(sub) > 1 and isinstance(sub[1], dict) else {}
                yield from references(list(variables.values()), local)
                sub = sub[0]
            if isinstance(sub, str):
                for name in _SUB_VARIABLE.findall(sub):
                    head = name.split(".", 1)[0] if "." in name else name
                    if name in variables or head in variables:
                        continue
                    yield ("GetAtt" if "." in name and "::" not in name else "Sub"), head
            return
        for item in value.values():
            yield from references(item, local)
