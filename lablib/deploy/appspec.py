"""The AppSpec of a Lambda deployment (YAML or JSON): one function, its alias, the current and
target versions, and optional BeforeAllowTraffic / AfterAllowTraffic hook functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

HOOK_EVENTS = ("BeforeAllowTraffic", "AfterAllowTraffic")


class AppSpecError(ValueError):
    """The AppSpec cannot be used; the message says which field to fix."""


@dataclass(frozen=True)
class AppSpec:
    function: str
    alias: str
    current_version: str
    target_version: str
    hooks: dict[str, str] = field(default_factory=dict)


def content_of(revision: dict[str, Any] | None) -> str:
    """The AppSpec text inside a create_deployment ``revision``."""
    if not revision:
        raise AppSpecError(
            "revision is required: pass revision={'revisionType': 'AppSpecContent', "
            "'appSpecContent': {'content': <YAML or JSON AppSpec>}}"
        )
    kind = revision.get("revisionType")
    if kind == "AppSpecContent":
        content = (revision.get("appSpecContent") or {}).get("content")
    elif kind == "String":
        content = (revision.get("string") or {}).get("content")
    else:
        raise AppSpecError(
            f"revisionType {kind!r} is not supported here for Lambda deployments: use "
            "'AppSpecContent' with the AppSpec text in appSpecContent.content"
        )
    if not content:
        raise AppSpecError("the revision has no AppSpec content (appSpecContent.content)")
    return str(content)


def parse(text: str) -> AppSpec:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AppSpecError(f"The AppSpec is neither valid YAML nor JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise AppSpecError("The AppSpec must be a mapping with 'version', 'Resources', 'Hooks'")
    resources = doc.get("Resources")
    if not isinstance(resources, list) or len(resources) != 1:
        raise AppSpecError(
            "AppSpec 'Resources' must list exactly one AWS::Lambda::Function resource"
        )
    (resource,) = resources
    if not isinstance(resource, dict) or len(resource) != 1:
        raise AppSpecError("Each AppSpec resource is '<logical name>: {Type, Properties}'")
    (body,) = resource.values()
    if not isinstance(body, dict) or body.get("Type") != "AWS::Lambda::Function":
        raise AppSpecError("The AppSpec resource Type must be AWS::Lambda::Function")
    props = body.get("Properties") or {}
    missing = [k for k in ("Name", "Alias", "CurrentVersion", "TargetVersion") if not props.get(k)]
    if missing:
        raise AppSpecError(
            f"AppSpec resource Properties is missing {', '.join(missing)} (needs Name, Alias, "
            "CurrentVersion and TargetVersion)"
        )
    hooks: dict[str, str] = {}
    for entry in doc.get("Hooks") or []:
        if not isinstance(entry, dict):
            raise AppSpecError("Each AppSpec hook is '<event>: <function name>'")
        for event, function in entry.items():
            if event not in HOOK_EVENTS:
                raise AppSpecError(
                    f"AppSpec hook {event!r} is not a Lambda lifecycle event: use "
                    "BeforeAllowTraffic or AfterAllowTraffic"
                )
            hooks[event] = str(function)
    current, target = str(props["CurrentVersion"]), str(props["TargetVersion"])
    for label, version in (("CurrentVersion", current), ("TargetVersion", target)):
        if not version.isdigit():
            raise AppSpecError(
                f"AppSpec {label} {version!r} must be a published version number, not "
                "$LATEST or an alias"
            )
    return AppSpec(str(props["Name"]), str(props["Alias"]), current, target, hooks)
