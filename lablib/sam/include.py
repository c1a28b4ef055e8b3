"""The ``AWS::Include`` transform: template snippets stored in S3, expanded before anything else.

``Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://bucket/key}}`` is replaced by
the YAML or JSON document at that location (merged into the enclosing mapping when that
mapping has other keys), and a ``Transform: [{Name: AWS::Include, ...}]`` entry at the top
merges a whole snippet into the template. ``lablib deploy`` uploads local ``Location`` files
first, as ``sam deploy`` does; a template given straight to CreateStack must already name S3.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lablib.sam.template import TemplateError, load_snippet

INCLUDE = "AWS::Include"
ReadS3 = Callable[[str, str], bytes]
_MAX_INCLUDES = 100


class IncludeFailed(Exception):
    """An include cannot be expanded: the stack fails with this reason, as on AWS."""


def _is_include(value: Any) -> bool:
    return isinstance(value, dict) and value.get("Name") == INCLUDE


def expand_includes(template: dict[str, Any], read: ReadS3 | None) -> dict[str, Any]:
    """Return ``template`` with every AWS::Include expanded (in place)."""
    budget = [_MAX_INCLUDES]

    def fetch(spec: dict[str, Any]) -> Any:
        location = (spec.get("Parameters") or {}).get("Location")
        if not isinstance(location, str) or not location.startswith("s3://"):
            raise IncludeFailed(
                f"Transform {INCLUDE} failed with: The location parameter is not a valid S3 "
                f"uri ({location!r}). `lablib deploy` uploads a local file for you; with "
                "CreateStack, upload it to S3 first."
            )
        bucket, _, key = location[len("s3://") :].partition("/")
        if read is None:
            raise IncludeFailed(f"Transform {INCLUDE} failed with: S3 is not available")
        budget[0] -= 1
        if budget[0] < 0:
            raise IncludeFailed(f"Transform {INCLUDE} failed with: too many includes (nested?)")
        try:
            data = read(bucket, key)
        except KeyError:
            raise IncludeFailed(
                f"Transform {INCLUDE} failed with: S3 object {location} does not exist"
            ) from None
        try:
            return walk(load_snippet(data))
        except TemplateError as exc:
            raise IncludeFailed(
                f"Transform {INCLUDE} failed with: {location} is not valid YAML or JSON: {exc}"
            ) from None

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            spec = node.get("Fn::Transform")
            if isinstance(spec, dict) and _is_include(spec):
                snippet = fetch(spec)
                rest = {k: walk(v) for k, v in node.items() if k != "Fn::Transform"}
                if not rest:
                    return snippet
                if not isinstance(snippet, dict):
                    raise IncludeFailed(
                        f"Transform {INCLUDE} failed with: the snippet merged into a mapping "
                        "must be a mapping"
                    )
                return {**rest, **snippet}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    expanded = walk(template)
    top = expanded.get("Transform")
    entries = top if isinstance(top, list) else [top] if top is not None else []
    includes = [entry for entry in entries if _is_include(entry)]
    if includes:
        for entry in includes:
            snippet = fetch(entry)
            if not isinstance(snippet, dict):
                raise IncludeFailed(
                    f"Transform {INCLUDE} failed with: a top-level snippet must be a mapping"
                )
            for section, value in snippet.items():
                if isinstance(value, dict) and isinstance(expanded.get(section), dict):
                    expanded[section].update(value)
                else:
                    expanded[section] = value
        rest = [entry for entry in entries if not _is_include(entry)]
        if rest:
            expanded["Transform"] = rest if len(rest) > 1 else rest[0]
        else:
            expanded.pop("Transform", None)
    return dict(expanded)
