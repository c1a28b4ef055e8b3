"""What CloudFormation does with a template before creating resources: parse, transform, check.

``prepare`` is the hook the moto bridge calls on CreateStack and UpdateStack.
"""

from __future__ import annotations

import json
from typing import Any

from lablib.sam.template import TemplateError, load_template, transforms_of
from lablib.sam.transform import SAM_TRANSFORM, TransformFailed, apply_sam
from lablib.sam.validate import validate

__all__ = ["TemplateError", "TransformFailed", "prepare"]


def prepare(text: str, parameters: dict[str, Any], account: str, region: str) -> str:
    """Return the processed template (JSON text) that moto should deploy.

    Raises TemplateError (AWS answers the call with a ValidationError) or TransformFailed
    (the stack is created and fails with that reason).
    """
    template = load_template(text)
    declared = template.get("Parameters") or {}
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise TemplateError(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    transforms = transforms_of(template)
    if not transforms:
        validate(template)
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
    return json.dumps(processed)
