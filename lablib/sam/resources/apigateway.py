"""CloudFormation resource types for API Gateway: ``AWS::ApiGateway::RestApi`` (a Swagger 2 or
OpenAPI 3 ``Body``) and ``AWS::ApiGateway::Stage``.
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
from lablib.sam.resources.apigateway_body import import_body


def _body(props: dict[str, Any], account_id: str) -> dict[str, Any]:
    """``Body`` (a mapping or JSON/YAML text) or the document at ``BodyS3Location``."""
    from lablib.aws.moto_bridge.s3_objects import read_object
    from lablib.sam.template import load_snippet

    body = props.get("Body")
    location = props.get("BodyS3Location")
    if body is None and isinstance(location, dict):
        try:
            data = read_object(account_id, str(location["Bucket"]), str(location["Key"]))
        except KeyError:
            raise ValueError(
                f"BodyS3Location s3://{location.get('Bucket')}/{location.get('Key')} does not "
                "exist (lablib deploy uploads a local file for you)"
            ) from None
        body = load_snippet(data)
    if isinstance(body, str):
        body = load_snippet(body)
    return body if isinstance(body, dict) else {}


class RestApiModel(ResourceModel):
    """AWS::ApiGateway::RestApi; a ``Body`` (Swagger 2 or OpenAPI 3) becomes resources and
    methods with their x-amazon-apigateway-integration."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::RestApi"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        body = _body(props, account)
        backend = apigateway_backend(account, region)
        name = props.get("Name") or (body.get("info") or {}).get("title") or resource_name
        api = backend.create_rest_api(
            name=str(name),
            description=props.get("Description", ""),
            endpoint_configuration=props.get("EndpointConfiguration"),
            api_key_source=props.get("ApiKeySourceType"),
            policy=json.dumps(props["Policy"]) if isinstance(props.get("Policy"), dict) else None,
            minimum_compression_size=props.get("MinimumCompressionSize"),
            disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),
        )
        for media in props.get("BinaryMediaTypes") or []:
            api.binaryMediaTypes.append(str(media))
        import_body(backend, api, body)
        self.api_id = api.id
        self.physical_id = api.id
        self.attributes = {"RootResourceId": api.get_resource_for_path("/").id}

    def delete(self, account_id: str, region_name: str) -> None:
        apigateway_backend(account_id, region_name).apis.pop(self.api_id, None)


class StageModel(UpdatableModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Stage"

    def create(self, resource_name: str, props: dict[str, Any], account: str, region: str) -> None:
        backend = apigateway_backend(account, region)
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
        self.api_id, self.name = props["RestApiId"], props["StageName"]
        self.physical_id = self.name

    def update(self, props: dict[str, Any], account: str, region: str, policy: Any) -> None:
        stage = apigateway_backend(account, region).get_stage(self.api_id, self.name)
        stage.deployment_id = _deployment_id(props["DeploymentId"])
        stage.variables = props.get("Variables") or {}

    def delete(self, account_id: str, region_name: str) -> None:
        api = apigateway_backend(account_id, region_name).apis.get(self.api_id)
        if api is not None:
            api.stages.pop(self.name, None)


def _deployment_id(value: Any) -> str:
    """moto's Deployment has no physical id, so ``Ref`` yields the object: use its id."""
    return value if isinstance(value, str) else str(value.id)


MODELS: dict[str, type[CloudFormationModel]] = {
    model.cloudformation_type(): model for model in (RestApiModel, StageModel)
}
