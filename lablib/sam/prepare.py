"""What CloudFormation does with a template before creating resources: parse, transform, check.

``prepare`` is the hook the moto bridge calls on CreateStack and UpdateStack.
"""

from __future__ import annotations

import json
from typing import Any

from lablib.sam.include import INCLUDE, IncludeFailed, ReadS3, expand_includes
from lablib.sam.property_fidelity import PropertyRefused
from lablib.sam.property_fidelity import check as check_properties
from lablib.sam.template import TemplateError, load_template, transforms_of
from lablib.sam.transform import SAM_TRANSFORM, TransformFailed, apply_sam
from lablib.sam.validate import validate

__all__ = ["TemplateError", "TransformFailed", "prepare"]


def prepare(
    text: str,
    parameters: dict[str, Any],
    account: str,
    region: str,
    read_s3: ReadS3 | None = None,
) -> str:
    """Return the processed template (JSON text) that moto should deploy.

    Raises TemplateError (AWS answers the call with a ValidationError) or TransformFailed
    (the stack is created and fails with that reason). ``read_s3(bucket, key)`` reads the
    snippets of AWS::Include transforms.
    """
    template = load_template(text)
    declared = template.get("Parameters") or {}
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise TemplateError(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    try:
        template = expand_includes(template, read_s3)
    except IncludeFailed as exc:
        raise TransformFailed(str(exc)) from None
    transforms = [name for name in transforms_of(template) if name != INCLUDE]
    if not transforms:
        validate(template)
        _properties(template)
        return json.dumps(template)
    unsupported = [name for name in transforms if name != SAM_TRANSFORM]
    if unsupported:
        raise TransformFailed(
            f"Transform {unsupported[0]} is not supported by the local AWS (lablib). "
            f"Supported: {SAM_TRANSFORM}."
        )
    processed = apply_sam(template, parameters, region, account)
    try:
        validate(processed)
    except TemplateError as exc:
        raise TransformFailed(str(exc)) from None
    _properties(processed)
    return json.dumps(processed)


def _properties(template: dict[str, Any]) -> None:
    """Ignored resource properties warn (or fail the stack under LABLIB_STRICT=1)."""
    try:
        check_properties(template)
    except PropertyRefused as exc:
        raise TransformFailed(str(exc)) from None
