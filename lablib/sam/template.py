"""Reading CloudFormation templates: YAML (with the short-form ``!Ref`` tags) or JSON.

Errors use CloudFormation's wording ("Template format error: ..."), so a learner sees what
AWS would say.
"""

from __future__ import annotations

import json
from typing import Any

import yaml


class TemplateError(ValueError):
    """A template CloudFormation rejects synchronously (a ValidationError on AWS)."""


_SEQUENCE_TAGS = {"GetAtt"}


class _Loader(yaml.SafeLoader):
    pass


def _construct(loader: yaml.Loader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix in _SEQUENCE_TAGS and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_Loader.add_multi_constructor("!", _construct)
# CloudFormation reads dates and times as plain strings (e.g. AWSTemplateFormatVersion).
_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _Loader.yaml_implicit_resolvers.items()
}


def load_template(text: str | bytes) -> dict[str, Any]:
    """Parse a template body; raise TemplateError with AWS's message when it is malformed."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise TemplateError(f"Template format error: JSON not well-formed. ({exc})") from None
    else:
        try:
            value = yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise TemplateError(f"Template format error: YAML not well-formed.{where}") from None
        except yaml.YAMLError as exc:
            raise TemplateError(f"Template format error: YAML not well-formed. ({exc})") from None
    if not isinstance(value, dict):
        raise TemplateError(
            "Template format error: unsupported structure. The template must be a JSON or "
            "YAML object with a Resources section."
        )
    return value


def load_snippet(data: str | bytes) -> Any:
    """Parse a YAML or JSON document of any shape (an AWS::Include snippet)."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise TemplateError(f"YAML not well-formed. ({exc})") from None


def transforms_of(template: dict[str, Any]) -> list[str]:
    """The template's Transform entries as a list (a template may name one or several)."""
    value = template.get("Transform")
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item if isinstance(item, str) else str(item.get("Name")) for item in value]
    if isinstance(value, dict):
        return [str(value.get("Name"))]
    return [str(value)]
