"""moto internals: the CloudFormation resource types SAM templates need that moto lacks or
keeps incompletely (installed by ``cloudformation.install_patches``):
``AWS::Lambda::Function`` (settings moto drops kept), ``AWS::Lambda::Version``,
``AWS::Lambda::Alias`` (with CodeDeploy update policies), ``AWS::Lambda::Permission`` (on the
qualified alias or version), ``AWS::ApiGateway::RestApi`` (Swagger/OpenAPI ``Body``),
``AWS::ApiGateway::Stage``, ``AWS::CodeDeploy::Application`` and ``DeploymentGroup``.
"""

from __future__ import annotations

import json
from typing import Any

from moto.apigateway.models import apigateway_backends
from moto.awslambda.models import lambda_backends
from moto.codedeploy.models import codedeploy_backends
from moto.core.common_models import CloudFormationModel


# -- resource types -----------------------------------------------------------------------------
def _lambda(account: str, region: str) -> Any:
    return lambda_backends[account][region]


def _function_name(value: str) -> str:
    return value.split(":function:")[1].split(":")[0] if ":function:" in value else value


class _Model(CloudFormationModel):
    """Base for lablib's resource types: physical id and attributes kept on the instance."""

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


class FunctionModel(CloudFormationModel):
    """AWS::Lambda::Function, keeping every property moto's own model drops."""

    _KEYS = (
        "Description",
        "MemorySize",
        "Timeout",
        "Environment",
        "ReservedConcurrentExecutions",
        "DeadLetterConfig",
        "Layers",
        "EphemeralStorage",
        "TracingConfig",
        "LoggingConfig",
        "Architectures",
        "PackageType",
        "KMSKeyArn",
        "VpcConfig",
        "Tags",
    )

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Function"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "FunctionName"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        props = cloudformation_json["Properties"]
        code = dict(props["Code"])
        if "ZipFile" in code:
            from moto.awslambda.models import LambdaFunction

            zipped = LambdaFunction._create_zipfile_from_plaintext_code(code["ZipFile"])
            import base64

            code["ZipFile"] = base64.b64encode(zipped)
        spec = {
            "FunctionName": resource_name,
            "Code": code,
            "Handler": props.get("Handler"),
            "Role": props["Role"],
            "Runtime": props.get("Runtime"),
        }
        spec.update({key: props[key] for key in cls._KEYS if key in props})
        if isinstance(spec.get("Tags"), list):
            spec["Tags"] = {tag["Key"]: tag["Value"] for tag in spec["Tags"]}
        return _lambda(account_id, region_name).create_function(spec)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        props = dict(cloudformation_json["Properties"])
        props.setdefault("Environment", {"Variables": {}})
        original_resource.update_configuration(props)
        original_resource.update_function_code(dict(props["Code"]))
        return original_resource


class VersionModel(_Model):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Version"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> VersionModel:
        props = cloudformation_json["Properties"]
        name = _function_name(props["FunctionName"])
        fn = _lambda(account_id, region_name).publish_version(name, props.get("Description", ""))
        self = cls()
        self.physical_id = fn.function_arn
        self.attributes = {"Version": str(fn.version), "FunctionArn": fn.function_arn}
        self.name, self.version = name, str(fn.version)
        return self

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _lambda(account_id, region_name)
        if self.name in backend._lambdas._functions:
            backend.delete_function(self.name, self.version)


class AliasModel(_Model):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Alias"

    @staticmethod
    def _routing(props: dict[str, Any]) -> dict[str, Any] | None:
        weights = (props.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
        if not weights:
            return None
        return {
            "AdditionalVersionWeights": {
                str(w["FunctionVersion"]): float(w["FunctionWeight"]) for w in weights
            }
        }

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> AliasModel:
        props = cloudformation_json["Properties"]
        self = cls()
        self.function = _function_name(props["FunctionName"])
        alias = _lambda(account_id, region_name).create_alias(
            props["Name"],
            self.function,
            str(props["FunctionVersion"]),
            props.get("Description", ""),
            cls._routing(props),
        )
        self.name = props["Name"]
        self.physical_id = alias.arn
        self.attributes = {"AliasArn": alias.arn}
        return self

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: AliasModel,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> AliasModel:
        props = cloudformation_json["Properties"]
        backend = _lambda(account_id, region_name)
        alias = backend.get_alias(original_resource.name, original_resource.function)
        previous = alias.function_version
        target = str(props["FunctionVersion"])
        policy = (cloudformation_json.get("UpdatePolicy") or {}).get("CodeDeployLambdaAliasUpdate")
        if policy and previous != target:
            _record_deployment(account_id, region_name, policy, alias, previous, target)
        backend.update_alias(
            original_resource.name,
            original_resource.function,
            target,
            props.get("Description", ""),
            cls._routing(props),
        )
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _lambda(account_id, region_name)
        if self.function in backend._lambdas._functions:
            backend.delete_alias(self.name, self.function)


class PermissionModel(_Model):
    """AWS::Lambda::Permission: a qualified FunctionName (an alias or version ARN, or
    ``name:alias``) puts the statement on that qualifier, as AWS does (moto drops it)."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Permission"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> PermissionModel:
        props = dict(cloudformation_json["Properties"])
        target = str(props["FunctionName"])
        rest = target.split(":function:")[1] if ":function:" in target else target
        name, _, qualifier = rest.partition(":")
        fn = _lambda(account_id, region_name).get_function(name)
        statement, _ = fn.policy.add_statement(json.dumps(props), qualifier or None)
        self = cls()
        self.function, self.physical_id = name, str(statement.get("Sid", resource_name))
        self.attributes = {}
        return self

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _lambda(account_id, region_name)
        if self.function in backend._lambdas._functions:
            policy = backend.get_function(self.function).policy
            policy.statements = [s for s in policy.statements if s.get("Sid") != self.physical_id]


def _record_deployment(
    account: str, region: str, policy: dict[str, Any], alias: Any, old: str, new: str
) -> None:
    """A CodeDeploy deployment for the alias shift, as CloudFormation starts on AWS."""
    app_spec = {
        "version": 0.0,
        "Resources": [
            {
                alias.name: {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": alias.arn.split(":")[6],
                        "Alias": alias.name,
                        "CurrentVersion": old,
                        "TargetVersion": new,
                    },
                }
            }
        ],
    }
    codedeploy_backends[account][region].create_deployment(
        policy["ApplicationName"],
        policy["DeploymentGroupName"],
        {"revisionType": "AppSpecContent", "appSpecContent": {"content": json.dumps(app_spec)}},
        description="Deployment started by CloudFormation (AWS::Lambda::Alias update)",
    )


class RestApiModel(_Model):
    """AWS::ApiGateway::RestApi; a ``Body`` (Swagger 2 or OpenAPI 3) becomes resources and
    methods with their x-amazon-apigateway-integration."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::RestApi"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> RestApiModel:
        props = cloudformation_json["Properties"]
        body = props.get("Body") or {}
        backend = apigateway_backends[account_id][region_name]
        name = props.get("Name") or (body.get("info") or {}).get("title") or resource_name
        api = backend.create_rest_api(
            name=str(name),
            description=props.get("Description", ""),
            endpoint_configuration=props.get("EndpointConfiguration"),
        )
        _import_paths(backend, api, body.get("paths") or {})
        self = cls()
        self.api_id = api.id
        self.physical_id = api.id
        self.attributes = {"RootResourceId": api.get_resource_for_path("/").id}
        return self

    def delete(self, account_id: str, region_name: str) -> None:
        apigateway_backends[account_id][region_name].apis.pop(self.api_id, None)


_METHODS = {
    "get",
    "put",
    "post",
    "delete",
    "patch",
    "head",
    "options",
    "x-amazon-apigateway-any-method",
}


def _import_paths(backend: Any, api: Any, paths: dict[str, Any]) -> None:
    for path in sorted(paths):
        parent = api.get_resource_for_path("/")
        walked = ""
        for part in [p for p in path.split("/") if p]:
            walked += "/" + part
            found = api.get_resource_for_path(walked)
            parent = found or backend.create_resource(api.id, parent.id, part)
        for verb, operation in (paths[path] or {}).items():
            if verb.lower() not in _METHODS:
                continue
            method = "ANY" if verb == "x-amazon-apigateway-any-method" else verb.upper()
            backend.put_method(api.id, parent.id, method, "NONE")
            integration = (operation or {}).get("x-amazon-apigateway-integration")
            if integration:
                backend.put_integration(
                    api.id,
                    parent.id,
                    method,
                    str(integration.get("type", "aws_proxy")).upper(),
                    integration.get("uri", ""),
                    integration_method=integration.get("httpMethod", "POST"),
                    request_templates=integration.get("requestTemplates"),
                    passthrough_behavior=integration.get("passthroughBehavior"),
                )


class StageModel(_Model):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Stage"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> StageModel:
        props = cloudformation_json["Properties"]
        backend = apigateway_backends[account_id][region_name]
        backend.create_stage(
            props["RestApiId"],
            props["StageName"],
            _deployment_id(props["DeploymentId"]),
            variables=props.get("Variables") or {},
            description=props.get("Description", ""),
            cacheClusterEnabled=props.get("CacheClusterEnabled"),
            cacheClusterSize=props.get("CacheClusterSize"),
            tracing_enabled=props.get("TracingEnabled"),
        )
        self = cls()
        self.api_id, self.name = props["RestApiId"], props["StageName"]
        self.physical_id = self.name
        self.attributes = {}
        return self

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: StageModel,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> StageModel:
        props = cloudformation_json["Properties"]
        stage = apigateway_backends[account_id][region_name].get_stage(
            original_resource.api_id, original_resource.name
        )
        stage.deployment_id = _deployment_id(props["DeploymentId"])
        stage.variables = props.get("Variables") or {}
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        api = apigateway_backends[account_id][region_name].apis.get(self.api_id)
        if api is not None:
            api.stages.pop(self.name, None)


def _deployment_id(value: Any) -> str:
    """moto's Deployment has no physical id, so ``Ref`` yields the object: use its id."""
    return value if isinstance(value, str) else str(value.id)


class CodeDeployApplicationModel(_Model):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeDeploy::Application"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ApplicationName"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CodeDeployApplicationModel:
        props = cloudformation_json["Properties"]
        codedeploy_backends[account_id][region_name].create_application(
            resource_name, props.get("ComputePlatform", "Server"), []
        )
        self = cls()
        self.physical_id = resource_name
        self.attributes = {}
        return self

    def delete(self, account_id: str, region_name: str) -> None:
        codedeploy_backends[account_id][region_name].applications.pop(self.physical_id, None)


class CodeDeployGroupModel(_Model):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeDeploy::DeploymentGroup"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "DeploymentGroupName"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CodeDeployGroupModel:
        props = cloudformation_json["Properties"]
        app = props["ApplicationName"]
        codedeploy_backends[account_id][region_name].create_deployment_group(
            app,
            resource_name,
            props.get("DeploymentConfigName"),
            None,
            None,
            None,
            props["ServiceRoleArn"],
            alarm_configuration=props.get("AlarmConfiguration"),
            auto_rollback_configuration=props.get("AutoRollbackConfiguration"),
            deployment_style=props.get("DeploymentStyle"),
        )
        self = cls()
        self.app, self.physical_id = app, resource_name
        self.attributes = {}
        return self

    def delete(self, account_id: str, region_name: str) -> None:
        backend = codedeploy_backends[account_id][region_name]
        backend.deployment_groups.get(self.app, {}).pop(self.physical_id, None)


MODELS: dict[str, type[CloudFormationModel]] = {
    model.cloudformation_type(): model
    for model in (
        FunctionModel,
        VersionModel,
        AliasModel,
        PermissionModel,
        RestApiModel,
        StageModel,
        CodeDeployApplicationModel,
        CodeDeployGroupModel,
    )
}
