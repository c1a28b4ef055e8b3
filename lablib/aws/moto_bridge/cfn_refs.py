"""Ref and Fn::GetAtt as CloudFormation answers them, never a Python object or a silent None.

moto's ``clean_json`` returns the resource object itself for ``Ref`` when a model has no
``physical_resource_id`` (``AWS::Events::EventBus`` reached templates as
``<moto.events.models.EventBus object at ...>``), and logs then drops a ``Fn::GetAtt`` whose
attribute the model does not implement. Here:

- ``Ref`` of such a model gives what AWS's resource reference documents (``_REF``), or fails
  the stack naming the type;
- ``Fn::GetAtt`` an attribute the model lacks, or that resolves to None or "", fails the
  stack naming ``Logical.Attribute``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.core.common_models import CloudFormationModel

# Ref of moto's models that have no physical_resource_id: type -> the model's attribute.
_REF: dict[str, str] = {
    "AWS::Events::EventBus": "name",
    "AWS::Events::Archive": "name",
    "AWS::ApiGateway::Deployment": "id",
}
_patched = False


def _kind(resource: Any) -> str:
    try:
        return str(resource.cloudformation_type())
    except Exception:
        return type(resource).__name__


def ref(logical_id: str, resource: Any) -> Any:
    """The value of ``{"Ref": logical_id}`` for a model without physical_resource_id."""
    kind = _kind(resource)
    attr = _REF.get(kind)
    value = getattr(resource, attr, None) if attr else None
    if not value:
        raise ValidationError(
            logical_id,
            f"Template error: Ref of {logical_id} ({kind}) is not supported by the local AWS",
        )
    return value


def get_att(logical_id: str, attribute: str, resource: Any) -> Any:
    kind = _kind(resource)
    try:
        value = resource.get_cfn_attribute(attribute)
    except (NotImplementedError, AttributeError, UnformattedGetAttTemplateException):
        raise ValidationError(
            logical_id,
            f"Template error: resource {logical_id} does not support attribute type "
            f"{attribute} in Fn::GetAtt ({kind} on the local AWS)",
        ) from None
    if value is None or value == "":
        raise ValidationError(
            logical_id,
            f"Template error: Fn::GetAtt {logical_id}.{attribute} ({kind}) has no value on the "
            "local AWS",
        )
    return value


def install() -> None:
    global _patched
    if _patched:
        return
    original: Callable[[Any, Any], Any] = parsing.clean_json

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict):
            name = resource_json.get("Ref")
            if isinstance(name, str) and name in resources_map:
                resource = resources_map[name]
                if isinstance(resource, CloudFormationModel) and not hasattr(
                    resource, "physical_resource_id"
                ):
                    return ref(name, resource)
            target = resource_json.get("Fn::GetAtt")
            if isinstance(target, list) and len(target) == 2 and "Ref" not in resource_json:
                resource = resources_map.get(target[0])
                if isinstance(resource, CloudFormationModel):
                    attribute = str(clean_json(target[1], resources_map))
                    return get_att(str(target[0]), attribute, resource)
        return original(resource_json, resources_map)

    parsing.clean_json = clean_json
    _patched = True
