"""CloudFormation resource types for Lambda: ``AWS::Lambda::Function`` (settings moto drops
kept), ``AWS::Lambda::Version``, ``AWS::Lambda::Alias`` (with CodeDeploy update policies),
``AWS::Lambda::Permission`` (on the qualified alias or version),
``AWS::Lambda::EventInvokeConfig`` (the asynchronous invocation settings the runtime reads).
"""

from __future__ import annotations

import json
from typing import Any

from lablib.aws.moto_bridge.cfn_models import (
    CloudFormationModel,
    ResourceModel,
    UpdatableModel,
    codedeploy_backend,
    lambda_backend,
    zip_inline_code,
)


def _function_name(value: str) -> str:
    return value.split(":function:")[1].split(":")[0] if ":function:" in value else value


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
            import base64

            code["ZipFile"] = base64.b64encode(zip_inline_code(code["ZipFile"]))
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
        return lambda_backend(account_id, region_name).create_function(spec)

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


class VersionModel(ResourceModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Version"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        name = _function_name(props["FunctionName"])
        fn = lambda_backend(account, region).publish_version(name, props.get("Description", ""))
        self.physical_id = fn.function_arn
        self.attributes = {"Version": str(fn.version), "FunctionArn": fn.function_arn}
        self.name, self.version = name, str(fn.version)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = lambda_backend(account_id, region_name)
        if self.name in backend._lambdas._functions:
            backend.delete_function(self.name, self.version)


class AliasModel(UpdatableModel):
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

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        self.function = _function_name(props["FunctionName"])
        alias = lambda_backend(account, region).create_alias(
            props["Name"],
            self.function,
            str(props["FunctionVersion"]),
            props.get("Description", ""),
            self._routing(props),
        )
        self.name = props["Name"]
        self.physical_id = alias.arn
        self.attributes = {"AliasArn": alias.arn}

    def update(self, props: dict[str, Any], account: str, region: str, policy: Any) -> None:
        backend = lambda_backend(account, region)
        alias = backend.get_alias(self.name, self.function)
        previous = alias.function_version
        target = str(props["FunctionVersion"])
        deploy = policy.get("CodeDeployLambdaAliasUpdate")
        if deploy and previous != target:
            _record_deployment(account, region, deploy, alias, previous, target)
        backend.update_alias(
            self.name, self.function, target, props.get("Description", ""), self._routing(props)
        )

    def delete(self, account_id: str, region_name: str) -> None:
        backend = lambda_backend(account_id, region_name)
        if self.function in backend._lambdas._functions:
            backend.delete_alias(self.name, self.function)


class PermissionModel(ResourceModel):
    """AWS::Lambda::Permission: a qualified FunctionName (an alias or version ARN, or
    ``name:alias``) puts the statement on that qualifier, as AWS does (moto drops it)."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Permission"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        target = str(props["FunctionName"])
        rest = target.split(":function:")[1] if ":function:" in target else target
        name, _, qualifier = rest.partition(":")
        fn = lambda_backend(account, region).get_function(name)
        statement, _ = fn.policy.add_statement(json.dumps(props), qualifier or None)
        self.function, self.physical_id = name, str(statement.get("Sid", resource_name))

    def delete(self, account_id: str, region_name: str) -> None:
        backend = lambda_backend(account_id, region_name)
        if self.function in backend._lambdas._functions:
            policy = backend.get_function(self.function).policy
            policy.statements = [s for s in policy.statements if s.get("Sid") != self.physical_id]


class EventInvokeConfigModel(UpdatableModel):
    """AWS::Lambda::EventInvokeConfig (SAM's ``EventInvokeConfig``): retries, maximum event
    age and OnSuccess/OnFailure destinations, put as PutFunctionEventInvokeConfig does, so
    asynchronous invocations of the function use them."""

    _KEYS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::EventInvokeConfig"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        self.function = _function_name(str(props["FunctionName"]))
        self.version = str(props.get("Qualifier") or "$LATEST")
        self.update(props, account, region, {})
        # Ref is the primary identifier (FunctionName and Qualifier); no attributes.
        self.physical_id = f"{self.function}|{self.version}"

    def update(self, props: dict[str, Any], account: str, region: str, policy: Any) -> None:
        config: dict[str, Any] = {key: props[key] for key in self._KEYS if key in props}
        for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
            if key in config:
                config[key] = int(config[key])
        lambda_backend(account, region).put_function_event_invoke_config(self.function, config)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = lambda_backend(account_id, region_name)
        if self.function in backend._lambdas._functions:
            backend.delete_function_event_invoke_config(self.function)


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
    codedeploy_backend(account, region).create_deployment(
        policy["ApplicationName"],
        policy["DeploymentGroupName"],
        {"revisionType": "AppSpecContent", "appSpecContent": {"content": json.dumps(app_spec)}},
        description="Deployment started by CloudFormation (AWS::Lambda::Alias update)",
    )


MODELS: dict[str, type[CloudFormationModel]] = {
    model.cloudformation_type(): model
    for model in (FunctionModel, VersionModel, AliasModel, PermissionModel, EventInvokeConfigModel)
}
