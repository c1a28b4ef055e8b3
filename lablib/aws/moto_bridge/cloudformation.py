"""moto internals for CloudFormation: stack operations as AWS runs them, and missing resources.

What this adds to moto's CloudFormation:

- ``install_patches(prepare)``: CreateStack/UpdateStack first hand the template to
  ``prepare`` (lablib.sam.prepare: parse, SAM transform, checks). A synchronous problem is
  a ``ValidationError``; a transform problem fails the stack. Resources are then created one
  by one in dependency order with stack events; when one fails the stack rolls back (the
  created resources are deleted) and ends ``ROLLBACK_COMPLETE`` (``UPDATE_ROLLBACK_COMPLETE``
  for updates), with AWS's reasons. Nothing stays half-created.
- Resource types SAM templates need that moto lacks or keeps incompletely:
  ``AWS::Lambda::Alias``, ``AWS::Lambda::Version`` (Ref/GetAtt as on AWS),
  ``AWS::Lambda::Permission`` (on the alias or version its FunctionName qualifies),
  ``AWS::Lambda::Function`` (DeadLetterConfig, Layers, LoggingConfig, ... kept),
  ``AWS::ApiGateway::RestApi`` (``Body``: a Swagger/OpenAPI document with
  x-amazon-apigateway-integration), ``AWS::ApiGateway::Stage``, ``AWS::CodeDeploy::Application``
  and ``AWS::CodeDeploy::DeploymentGroup``. An alias with a ``CodeDeployLambdaAliasUpdate``
  update policy records a CodeDeploy deployment and moves to the new version at once.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from typing import Any

from moto.apigateway.models import apigateway_backends
from moto.awslambda.models import lambda_backends
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.codedeploy.models import codedeploy_backends
from moto.core.common_models import CloudFormationModel

Prepare = Callable[[str, dict[str, Any], str, str], str]


class TemplateRejected(Exception):
    """Raised by ``prepare`` for a template AWS rejects synchronously (ValidationError)."""


class StackFailed(Exception):
    """Raised by ``prepare`` for a template that fails the stack (e.g. a failed transform)."""


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


_MODELS: dict[str, type[CloudFormationModel]] = {
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


def supported_types() -> frozenset[str]:
    """Resource types the local CloudFormation can create."""
    return frozenset(_original_model_map()) | frozenset(_MODELS) | frozenset(parsing.NULL_MODELS)


# -- stack operations --------------------------------------------------------------------------
_patched = False
_lock = threading.Lock()
_original_model_map: Callable[[], dict[str, type[CloudFormationModel]]] = parsing.get_model_map


def check_patch_points() -> None:
    for owner, attr in (
        (CloudFormationBackend, "create_stack"),
        (CloudFormationBackend, "update_stack"),
        (CloudFormationBackend, "delete_stack"),
        (Stack, "create_resources"),
        (Stack, "_add_stack_event"),
        (parsing, "get_model_map"),
        (parsing.ResourceMap, "build_resource_diff"),
    ):
        if not hasattr(owner, attr):
            raise RuntimeError(f"moto CloudFormation changed: {owner.__name__}.{attr} moved")


def install_patches(prepare: Prepare) -> None:
    """Route stack operations through ``prepare`` and lablib's create/rollback loop."""
    global _patched
    with _lock:
        if _patched:
            return
        check_patch_points()

        @functools.lru_cache
        def model_map() -> dict[str, type[CloudFormationModel]]:
            return {**_original_model_map(), **_MODELS}

        parsing.get_model_map = model_map
        original_create = CloudFormationBackend.create_stack
        original_update = CloudFormationBackend.update_stack

        @functools.wraps(original_create)
        def create_stack(
            self: Any, name: str, template: str, parameters: Any, *a: Any, **kw: Any
        ) -> Any:
            params = dict(parameters or {})
            try:
                processed = prepare(template, params, self.account_id, self.region_name)
            except TemplateRejected as exc:
                raise ValidationError(name, str(exc)) from None
            except StackFailed as exc:
                return _failed_stack(self, name, template, parameters, str(exc), a, kw)
            return original_create(self, name, processed, parameters, *a, **kw)

        @functools.wraps(original_update)
        def update_stack(
            self: Any, name: str, template: str, role_arn: Any, parameters: Any, tags: Any
        ) -> Any:
            stack = self.get_stack(name)
            resolved = self._resolve_update_parameters(instance=stack, incoming_params=parameters)
            if not template:
                template = stack.template
            try:
                processed = prepare(template, dict(resolved), self.account_id, self.region_name)
            except TemplateRejected as exc:
                raise ValidationError(name, str(exc)) from None
            except StackFailed as exc:
                stack._add_stack_event(
                    "UPDATE_IN_PROGRESS", resource_status_reason="User Initiated"
                )
                stack._add_stack_event(
                    "UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=str(exc)
                )
                stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
                stack.status, stack.status_reason = "UPDATE_ROLLBACK_COMPLETE", str(exc)
                return stack
            if _same(processed, stack.template) and resolved == stack.parameters:
                raise ValidationError(name, "No updates are to be performed.")
            return _update(stack, processed, role_arn, resolved, tags)

        CloudFormationBackend.create_stack = create_stack  # type: ignore[method-assign]
        CloudFormationBackend.update_stack = update_stack  # type: ignore[method-assign]
        Stack.create_resources = _create_resources  # type: ignore[method-assign]
        Stack.delete = _delete  # type: ignore[method-assign]
        _patched = True


def _same(processed: str, current: str) -> bool:
    try:
        return bool(json.loads(processed) == json.loads(current))
    except ValueError:
        return False


def _failed_stack(
    backend: Any, name: str, template: str, parameters: Any, reason: str, a: Any, kw: Any
) -> Any:
    """A stack that failed before any resource was created (e.g. the transform failed)."""
    minimal = json.dumps({"Resources": {}})
    original = CloudFormationBackend.create_stack.__wrapped__  # type: ignore[attr-defined]
    saved = Stack.create_resources
    Stack.create_resources = lambda self: None  # type: ignore[method-assign]
    try:
        stack = original(backend, name, minimal, {}, *a, **kw)
    finally:
        Stack.create_resources = saved  # type: ignore[method-assign]
    stack.template = template
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    stack._add_stack_event("ROLLBACK_COMPLETE")
    stack.status, stack.status_reason = "ROLLBACK_COMPLETE", reason
    del parameters
    return stack


def _event(
    stack: Any,
    logical_id: str,
    kind: str,
    status: str,
    physical: str = "",
    reason: str | None = None,
) -> None:
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical,
            resource_type=kind,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def _physical(instance: Any) -> str:
    return str(getattr(instance, "physical_resource_id", "") or "")


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f'Resource handler returned message: "{message}"'


def _deps(body: dict[str, Any], names: set[str]) -> set[str]:
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            if "Ref" in value and isinstance(value["Ref"], str):
                found.add(value["Ref"])
            if "Fn::GetAtt" in value:
                target = value["Fn::GetAtt"]
                found.add(target.split(".")[0] if isinstance(target, str) else target[0])
            if "Fn::Sub" in value:
                sub = value["Fn::Sub"]
                text = sub[0] if isinstance(sub, list) else sub
                import re

                for var in re.findall(r"\$\{([^!}][^}]*)\}", str(text)):
                    found.add(var.split(".")[0])
            for item in value.values():
                walk(item)

    walk(body.get("Properties") or {})
    depends = body.get("DependsOn") or []
    found.update([depends] if isinstance(depends, str) else depends)
    return found & names


def _ordered(resources: dict[str, Any]) -> list[str]:
    names = set(resources)
    deps = {name: _deps(body, names) for name, body in resources.items()}
    ordered: list[str] = []
    done: set[str] = set()
    while len(ordered) < len(names):
        ready = [n for n in resources if n not in done and deps[n] <= done]
        if not ready:  # a cycle: keep template order for the rest
            ready = [n for n in resources if n not in done]
        for name in ready:
            ordered.append(name)
            done.add(name)
    return ordered


def _create_resources(self: Any) -> None:
    """Create each resource with its events; on the first failure roll everything back."""
    self.status = "CREATE_IN_PROGRESS"
    rmap = self.resource_map
    template = self.template_dict
    rmap._template = template
    rmap._resource_json_map = template.get("Resources") or {}
    created: list[str] = []
    for logical_id in _ordered(rmap._resource_json_map):
        body = rmap._resource_json_map[logical_id]
        kind = body["Type"]
        condition = body.get("Condition")
        if condition and not rmap.lazy_condition_map[condition]:
            continue
        _event(self, logical_id, kind, "CREATE_IN_PROGRESS")
        try:
            if kind not in supported_types() and not kind.startswith("Custom::"):
                raise NotImplementedError(
                    f"Resource type {kind} is not supported by the local AWS (lablib)"
                )
            instance = rmap[logical_id]
        except Exception as exc:  # any resource failure fails the stack
            reason = _reason(exc)
            _event(self, logical_id, kind, "CREATE_FAILED", reason=reason)
            stack_reason = (
                f"The following resource(s) failed to create: [{logical_id}]. "
                "Rollback requested by user."
            )
            self._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=stack_reason)
            _remove(self, list(reversed(created)), for_rollback=True)
            rmap._resource_json_map = {}
            self.output_map = parsing.OutputMap(rmap, {}, self.stack_id)
            self._add_stack_event("ROLLBACK_COMPLETE")
            self.status, self.status_reason = "ROLLBACK_COMPLETE", stack_reason
            return
        created.append(logical_id)
        _event(self, logical_id, kind, "CREATE_COMPLETE", _physical(instance))
    self.description = template.get("Description")
    self.mark_creation_complete()


def _remove(stack: Any, logical_ids: list[str], for_rollback: bool = False) -> list[str]:
    """Delete resources (reverse dependency order given); return the ones that failed."""
    rmap = stack.resource_map
    failed = []
    for logical_id in logical_ids:
        body = rmap._resource_json_map.get(logical_id) or {}
        instance = rmap._parsed_resources.get(logical_id)
        kind = body.get("Type", "")
        if instance is None or isinstance(instance, str):
            continue
        physical = _physical(instance)
        if body.get("DeletionPolicy") == "Retain":
            _event(stack, logical_id, kind, "DELETE_SKIPPED", physical)
            rmap._parsed_resources.pop(logical_id, None)
            continue
        _event(stack, logical_id, kind, "DELETE_IN_PROGRESS", physical)
        try:
            rmap._delete_resource(instance, body)
        except Exception as exc:
            _event(stack, logical_id, kind, "DELETE_FAILED", physical, _reason(exc))
            failed.append(logical_id)
            continue
        rmap._parsed_resources.pop(logical_id, None)
        _event(stack, logical_id, kind, "DELETE_COMPLETE", physical)
    del for_rollback
    return failed


def _delete(self: Any) -> None:
    self._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    rmap = self.resource_map
    order = list(reversed(_ordered(rmap._resource_json_map)))
    failed = _remove(self, order)
    if failed:
        reason = f"The following resource(s) failed to delete: [{', '.join(failed)}]. "
        self._add_stack_event("DELETE_FAILED", resource_status_reason=reason)
        self.status, self.status_reason = "DELETE_FAILED", reason
        raise ValidationError(self.name, reason)
    self._add_stack_event("DELETE_COMPLETE")
    self.status = "DELETE_COMPLETE"


def _apply(rmap: Any, template: dict[str, Any], parameters: dict[str, Any], diff: Any) -> None:
    """moto's ResourceMap.update, but in dependency order: a function's new code is in place
    before the new version is published from it, and the alias moves after that."""
    old_resources = dict(rmap._resource_json_map)
    rmap._template = template
    rmap.input_parameters = parameters
    rmap.load_mapping()
    rmap.load_parameters()
    rmap.load_conditions()
    rmap._resource_json_map = template.get("Resources") or {}
    for logical_id in _ordered(rmap._resource_json_map):
        if logical_id in diff["Add"]:
            rmap[logical_id]
        elif logical_id in diff["Modify"]:
            changed = parsing.parse_and_update_resource(
                logical_id,
                rmap._resource_json_map[logical_id],
                rmap,
                account_id=rmap._account_id,
                region_name=rmap._region_name,
            )
            if changed is not None:
                rmap._parsed_resources[logical_id] = changed
    for logical_id in reversed(_ordered({k: old_resources[k] for k in diff["Remove"]})):
        instance = rmap._parsed_resources.pop(logical_id, None)
        if instance is not None and not isinstance(instance, str):
            rmap._delete_resource(instance, old_resources[logical_id])


def _update(
    stack: Any, processed: str, role_arn: Any, parameters: dict[str, Any], tags: Any
) -> Any:
    """UpdateStack: moto applies the diff; lablib adds events and rolls back on failure."""
    new_template = json.loads(processed)
    rmap = stack.resource_map
    old_template, old_text = stack.template_dict, stack.template
    old_parameters = dict(stack.parameters)
    diff = rmap.build_resource_diff(new_template, parameters)
    for logical_id in list(diff["Remove"]):
        if rmap._resource_json_map[logical_id].get("DeletionPolicy") == "Retain":
            diff["Remove"].remove(logical_id)
            rmap._resource_json_map.pop(logical_id)
            rmap._parsed_resources.pop(logical_id, None)
    stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    try:
        stack.template = processed
        stack.template_dict = new_template
        _apply(rmap, new_template, parameters, diff)
    except Exception as exc:
        reason = _reason(exc)
        stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
        stack.template, stack.template_dict = old_text, old_template
        try:
            _apply(rmap, old_template, old_parameters, rmap.build_resource_diff(old_template))
        except Exception as again:  # noqa: BLE001 - reported as AWS would
            stack._add_stack_event("UPDATE_ROLLBACK_FAILED", resource_status_reason=_reason(again))
            stack.status, stack.status_reason = "UPDATE_ROLLBACK_FAILED", _reason(again)
            return stack
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
        stack.status, stack.status_reason = "UPDATE_ROLLBACK_COMPLETE", reason
        return stack
    resources = new_template.get("Resources") or {}
    for logical_id in diff["Add"]:
        instance = rmap._parsed_resources.get(logical_id)
        _event(
            stack, logical_id, resources[logical_id]["Type"], "CREATE_COMPLETE", _physical(instance)
        )
    for logical_id in diff["Modify"]:
        instance = rmap._parsed_resources.get(logical_id)
        _event(
            stack, logical_id, resources[logical_id]["Type"], "UPDATE_COMPLETE", _physical(instance)
        )
    stack._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    for logical_id in diff["Remove"]:
        _event(stack, logical_id, old_template["Resources"][logical_id]["Type"], "DELETE_COMPLETE")
    stack.output_map = stack._create_output_map()
    stack._add_stack_event("UPDATE_COMPLETE")
    stack.status, stack.status_reason = "UPDATE_COMPLETE", None
    stack.role_arn = role_arn
    stack.parameters = parameters
    if tags is not None:
        stack.tags = tags
    return stack
