"""moto internals for CloudFormation resource types: the base class and the backends.

The resource types themselves live in ``lablib.sam.resources`` (one module per service
family); they derive from :class:`ResourceModel` (or moto's ``CloudFormationModel``) and reach
moto's backends only through the accessors here, so moto stays behind this package.
"""

from __future__ import annotations

from typing import Any, Self

from moto.apigateway.models import apigateway_backends
from moto.awslambda.models import LambdaFunction, lambda_backends
from moto.codedeploy.models import codedeploy_backends
from moto.core.common_models import CloudFormationModel

__all__ = [
    "CloudFormationModel",
    "ResourceModel",
    "UpdatableModel",
    "apigateway_backend",
    "codedeploy_backend",
    "lambda_backend",
    "moto_model",
    "s3_backend",
    "sns_backend",
    "sqs_backend",
    "stepfunctions_backend",
    "zip_inline_code",
]


def lambda_backend(account: str, region: str) -> Any:
    return lambda_backends[account][region]


def apigateway_backend(account: str, region: str) -> Any:
    return apigateway_backends[account][region]


def codedeploy_backend(account: str, region: str) -> Any:
    return codedeploy_backends[account][region]


def sns_backend(account: str, region: str) -> Any:
    from moto.sns.models import sns_backends

    return sns_backends[account][region]


def sqs_backend(account: str, region: str) -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[account][region]


def s3_backend(account: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account]["aws"]


def stepfunctions_backend(account: str, region: str) -> Any:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    return stepfunctions_parser_backends[account][region]


def moto_model(kind: str) -> type[CloudFormationModel]:
    """moto's own model class for a CloudFormation type (to extend rather than replace)."""
    from moto.awslambda.models import LayerVersion
    from moto.s3.models import FakeBucket
    from moto.stepfunctions.models import StateMachine

    classes: dict[str, Any] = {
        "AWS::S3::Bucket": FakeBucket,
        "AWS::Lambda::LayerVersion": LayerVersion,
        "AWS::StepFunctions::StateMachine": StateMachine,
    }
    found: type[CloudFormationModel] = classes[kind]
    return found


def zip_inline_code(text: str) -> bytes:
    """``Code.ZipFile`` (inline source) zipped as moto's Lambda backend expects it."""
    zipped: bytes = LambdaFunction._create_zipfile_from_plaintext_code(text)
    return zipped


class ResourceModel(CloudFormationModel):
    """Base for lablib's resource types: physical id and attributes kept on the instance.

    A subclass names its type (``cloudformation_type``) and makes the resource in
    :meth:`create`; moto's ``create_from_cloudformation_json`` hook is written once here.
    A type CloudFormation updates in place derives from :class:`UpdatableModel` instead.
    """

    physical_id = ""
    name = ""
    function = ""
    version = ""
    api_id = ""
    app = ""
    attributes: dict[str, Any]

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name in self.attributes:
            return self.attributes[attribute_name]
        raise UnformattedGetAttTemplateException()

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    def delete(self, account_id: str, region_name: str) -> None:
        pass

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Self:
        self = cls()
        self.attributes = {}
        props = cloudformation_json.get("Properties") or {}
        self.create(resource_name, props, account_id, region_name)
        return self

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        """Make the resource from its Properties; set ``physical_id`` (what ``Ref`` gives)
        and ``attributes`` (what ``Fn::GetAtt`` gives, none by default)."""
        raise NotImplementedError


class UpdatableModel(ResourceModel):
    """A resource type CloudFormation updates in place: moto's update hook calls
    :meth:`update` on the existing resource (lablib's update leaves a type without it as
    it was)."""

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        original_resource.update(
            cloudformation_json.get("Properties") or {},
            account_id,
            region_name,
            cloudformation_json.get("UpdatePolicy") or {},
        )
        return original_resource

    def update(self, props: dict[str, Any], account: str, region: str, policy: Any) -> None:
        """Change the resource to the template's new Properties (``policy`` is the
        resource's UpdatePolicy, empty when it has none)."""
        raise NotImplementedError
