"""The CloudFormation room: resource types moto lacks or keeps incompletely, one module per
service family (``lambda_``, ``apigateway``, ``codedeploy``, ...).

Each module defines its resource classes (deriving from
``lablib.aws.moto_bridge.cfn_models.ResourceModel``, whose subclasses write ``create``, or
``UpdatableModel``, which adds ``update``; that module also gives the moto backends) and a
``MODELS`` dict keyed by CloudFormation type. To add a resource type: add it to its family's
module (or a new module listed in ``_FAMILIES`` below) and to that module's ``MODELS``.
``lablib.sam.plugin`` hands :data:`MODELS` to the CloudFormation patches in the moto bridge.
"""

from __future__ import annotations

from lablib.aws.moto_bridge.cfn_models import CloudFormationModel
from lablib.sam.resources import (
    apigateway,
    apigateway_parts,
    codedeploy,
    lambda_,
    messaging,
    stepfunctions,
)

_FAMILIES = (lambda_, apigateway, apigateway_parts, codedeploy, messaging, stepfunctions)

MODELS: dict[str, type[CloudFormationModel]] = {
    kind: model for family in _FAMILIES for kind, model in family.MODELS.items()
}
