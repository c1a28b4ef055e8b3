"""CloudFormation resource types for the parts of a REST API moto lacks or keeps incompletely:
``AWS::ApiGateway::Method`` (every property: authorizer, API key, request parameters, models
and validator, method responses, and the whole integration with its responses),
``Authorizer``, ``ApiKey`` (with ``StageKeys``), ``UsagePlan``, ``UsagePlanKey``,
``RequestValidator``, ``Model`` and ``GatewayResponse``. ``BasePathMapping`` and
``DomainName`` are refused by name: the local API Gateway has no custom domains.
"""

from __future__ import annotations

import json
from typing import Any

from lablib.aws.moto_bridge.cfn_models import (
    CloudFormationModel,
    ResourceModel,
    UpdatableModel,
    apigateway_backend,
)


def _camel(value: Any) -> Any:
    """CloudFormation's PascalCase keys -> the API's camelCase (paths like /x/GET kept)."""
    if isinstance(value, dict):
        return {
            (k if k.startswith("/") else k[:1].lower() + k[1:]): _camel(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


class MethodModel(UpdatableModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Method"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        backend = apigateway_backend(account, region)
        api, resource, verb = str(props["RestApiId"]), str(props["ResourceId"]), props["HttpMethod"]
        params = {k: _flag(v) for k, v in (props.get("RequestParameters") or {}).items()}
        backend.put_method(
            api,
            resource,
            verb,
            props.get("AuthorizationType", "NONE"),
            api_key_required=_flag(props.get("ApiKeyRequired", False)),
            request_parameters=params or None,
            request_models=props.get("RequestModels"),
            operation_name=props.get("OperationName"),
            authorizer_id=props.get("AuthorizerId"),
            authorization_scopes=props.get("AuthorizationScopes"),
            request_validator_id=props.get("RequestValidatorId"),
        )
        for response in props.get("MethodResponses") or []:
            backend.put_method_response(
                api,
                resource,
                verb,
                str(response["StatusCode"]),
                response.get("ResponseModels"),
                {k: _flag(v) for k, v in (response.get("ResponseParameters") or {}).items()}
                or None,
            )
        integration = props.get("Integration")
        if isinstance(integration, dict):
            _integration(backend, api, resource, verb, integration)
        self.api_id, self.name, self.version = api, resource, verb
        self.physical_id = f"{api}-{resource}-{verb}"

    def update(self, props: dict[str, Any], account: str, region: str, policy: Any) -> None:
        self.delete(account, region)
        self.create("", props, account, region)  # a Method has no name

    def delete(self, account_id: str, region_name: str) -> None:
        try:
            apigateway_backend(account_id, region_name).delete_method(
                self.api_id, self.name, self.version
            )
        except Exception:  # noqa: BLE001 - the API went first
            pass


def _integration(backend: Any, api: str, resource: str, verb: str, spec: dict[str, Any]) -> None:
    kind = str(spec.get("Type", "AWS_PROXY")).upper()
    backend.put_integration(
        api,
        resource,
        verb,
        kind,
        spec.get("Uri", ""),
        integration_method=spec.get("IntegrationHttpMethod") or ("POST" if kind != "MOCK" else ""),
        credentials=spec.get("Credentials"),
        request_templates=spec.get("RequestTemplates"),
        passthrough_behavior=spec.get("PassthroughBehavior", "WHEN_NO_MATCH"),
        timeout_in_millis=spec.get("TimeoutInMillis"),
        request_parameters=spec.get("RequestParameters"),
        content_handling=spec.get("ContentHandling"),
        cache_namespace=spec.get("CacheNamespace"),
        connection_type=spec.get("ConnectionType"),
    )
    keys = spec.get("CacheKeyParameters")
    if keys:
        backend.get_integration(api, resource, verb).cache_key_parameters = list(keys)
    for response in spec.get("IntegrationResponses") or []:
        backend.put_integration_response(
            api,
            resource,
            verb,
            str(response.get("StatusCode", "200")),
            response.get("SelectionPattern"),
            response.get("ResponseTemplates"),
            response.get("ResponseParameters"),
            content_handling=response.get("ContentHandling"),
        )


class AuthorizerModel(ResourceModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Authorizer"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        api = str(props["RestApiId"])
        made = apigateway_backend(account, region).create_authorizer(
            api,
            str(props.get("Name") or resource_name),
            str(props["Type"]),
            provider_arns=props.get("ProviderARNs"),
            auth_type=props.get("AuthType"),
            authorizer_uri=props.get("AuthorizerUri"),
            authorizer_credentials=props.get("AuthorizerCredentials"),
            identity_source=props.get("IdentitySource"),
            identiy_validation_expression=props.get("IdentityValidationExpression"),
            authorizer_result_ttl=int(props.get("AuthorizerResultTtlInSeconds", 300)),
        )
        self.api_id, self.physical_id = api, made.id
        self.attributes = {"AuthorizerId": made.id}

    def delete(self, account_id: str, region_name: str) -> None:
        try:
            apigateway_backend(account_id, region_name).delete_authorizer(
                self.api_id, self.physical_id
            )
        except Exception:  # noqa: BLE001 - the API went first
            pass


class ApiKeyModel(ResourceModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::ApiKey"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        payload: dict[str, Any] = {
            "name": props.get("Name") or resource_name,
            "description": props.get("Description"),
            "enabled": _flag(props.get("Enabled", False)),
            "generateDistinctId": _flag(props.get("GenerateDistinctId", False)),
            "stageKeys": [
                f"{k['RestApiId']}/{k['StageName']}" for k in props.get("StageKeys") or []
            ],
            "customerId": props.get("CustomerId"),
        }
        if props.get("Value"):
            payload["value"] = str(props["Value"])
        key = apigateway_backend(account, region).create_api_key(payload)
        self.physical_id = key.id
        self.attributes = {"APIKeyId": key.id}

    def delete(self, account_id: str, region_name: str) -> None:
        apigateway_backend(account_id, region_name).keys.pop(self.physical_id, None)


class UsagePlanModel(ResourceModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::UsagePlan"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        payload = {
            "name": props.get("UsagePlanName") or resource_name,
            "description": props.get("Description"),
            "apiStages": _camel(props.get("ApiStages") or []),
            "throttle": _camel(props.get("Throttle")),
            "quota": _camel(props.get("Quota")),
        }
        plan = apigateway_backend(account, region).create_usage_plan(payload)
        self.physical_id = plan.id
        self.attributes = {"Id": plan.id}

    def delete(self, account_id: str, region_name: str) -> None:
        backend = apigateway_backend(account_id, region_name)
        backend.usage_plans.pop(self.physical_id, None)
        backend.usage_plan_keys.pop(self.physical_id, None)


class UsagePlanKeyModel(ResourceModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::UsagePlanKey"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        plan = str(props["UsagePlanId"])
        apigateway_backend(account, region).create_usage_plan_key(
            plan, {"keyId": str(props["KeyId"]), "keyType": str(props.get("KeyType", "API_KEY"))}
        )
        self.app, self.name = plan, str(props["KeyId"])
        self.physical_id = f"{self.name}:{plan}"
        self.attributes = {"Id": self.physical_id}

    def delete(self, account_id: str, region_name: str) -> None:
        keys = apigateway_backend(account_id, region_name).usage_plan_keys.get(self.app) or {}
        keys.pop(self.name, None)


class RequestValidatorModel(ResourceModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::RequestValidator"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        made = apigateway_backend(account, region).create_request_validator(
            str(props["RestApiId"]),
            str(props.get("Name") or resource_name),
            _flag(props.get("ValidateRequestBody", False)),
            _flag(props.get("ValidateRequestParameters", False)),
        )
        self.physical_id = made.id
        self.attributes = {"RequestValidatorId": made.id}


class ModelModel(ResourceModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Model"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        schema = props.get("Schema") or {}
        name = str(props.get("Name") or resource_name.replace("-", ""))
        apigateway_backend(account, region).create_model(
            str(props["RestApiId"]),
            name=name,
            content_type=str(props.get("ContentType", "application/json")),
            description=str(props.get("Description", "")),
            schema=schema if isinstance(schema, str) else json.dumps(schema),
        )
        self.physical_id = name


class GatewayResponseModel(ResourceModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::GatewayResponse"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        api = str(props["RestApiId"])
        apigateway_backend(account, region).put_gateway_response(
            api,
            response_type=str(props["ResponseType"]),
            status_code=props.get("StatusCode"),
            response_parameters=props.get("ResponseParameters"),
            response_templates=props.get("ResponseTemplates"),
        )
        self.physical_id = f"{api}-{props['ResponseType']}"


class _Refused(ResourceModel):
    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        raise NotImplementedError(
            f"Resource type {self.cloudformation_type()} is not supported by the local AWS "
            "(lablib): it has no custom domain names; call the stage URL "
            "(endpoint/restapis/ID/STAGE/_user_request_/)"
        )


class BasePathMappingModel(_Refused):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::BasePathMapping"


class DomainNameModel(_Refused):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::DomainName"


MODELS: dict[str, type[CloudFormationModel]] = {
    model.cloudformation_type(): model
    for model in (
        MethodModel,
        AuthorizerModel,
        ApiKeyModel,
        UsagePlanModel,
        UsagePlanKeyModel,
        RequestValidatorModel,
        ModelModel,
        GatewayResponseModel,
        BasePathMappingModel,
        DomainNameModel,
    )
}
