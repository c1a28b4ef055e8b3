"""moto internals for API Gateway: the only place that reads moto's apigateway objects.

The data plane (``lablib.apigateway``) asks for plain snapshots (``lablib.apigateway.model``)
and never sees a moto object. Reading moto in-process costs microseconds; a boto3 round trip
per request would cost milliseconds. Also here: the few writes the control-plane shims need
(keeping a stage's settings across a redeploy, keeping ``cacheKeyParameters``), and reading a
function's resource policy to decide whether API Gateway may invoke it.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from moto.apigateway.models import Integration, RestAPI, Stage, apigateway_backends
from moto.awslambda.models import lambda_backends

from lablib.apigateway.model import (
    DEFAULT_TIMEOUT_MS,
    ApiKeyView,
    ApiSnapshot,
    AuthorizerSpec,
    GatewayResponseSpec,
    IntegrationResponseSpec,
    IntegrationSpec,
    MethodSpec,
    ResourceSpec,
    StageView,
    UsagePlanView,
)
from lablib.aws.moto_bridge.backends import region_backend


def check_patch_points() -> None:
    """Fail loudly if moto's apigateway objects lost an attribute the data plane reads."""
    for cls, attrs in (
        (RestAPI, ("create_deployment",)),
        (Stage, ("apply_operations", "_get_default_method_settings")),
        (Integration, ("create_integration_response",)),
    ):
        for attr in attrs:
            if not hasattr(cls, attr):
                raise RuntimeError(f"moto.apigateway.models.{cls.__name__}.{attr} moved")


def _backend(account: str, region: str) -> Any:
    return region_backend(apigateway_backends, account, region)


def find_api(account: str, api_id: str, preferred_region: str) -> str | None:
    """The region that holds ``api_id`` (the preferred one first), or None."""
    if api_id in _backend(account, preferred_region).apis:
        return preferred_region
    regions: Any = apigateway_backends.get(account) or {}
    for region in list(regions.keys()):
        if api_id in regions[region].apis:
            return str(region)
    return None


def _api(account: str, region: str, api_id: str) -> Any:
    api = _backend(account, region).apis.get(api_id)
    if api is None:
        raise LookupError(f"REST API {api_id} not found in {region}")
    return api


def stage_deployment(account: str, region: str, api_id: str, stage: str) -> str | None:
    api = _backend(account, region).apis.get(api_id)
    found = api.stages.get(stage) if api is not None else None
    return found.deployment_id if found is not None else None


def deployment_exists(account: str, region: str, api_id: str, deployment_id: str) -> bool:
    api = _backend(account, region).apis.get(api_id)
    return api is not None and deployment_id in api.deployments


# -- snapshots ---------------------------------------------------------------------------------
def snapshot(account: str, region: str, api_id: str, deployment_id: str) -> ApiSnapshot:
    """Freeze the API's current resources, methods, integrations, authorizers and gateway
    responses: what a deployment captures on AWS."""
    api = _api(account, region, api_id)
    resources = tuple(_resource(res, api) for res in list(api.resources.values()))
    authorizers = {a.id: _authorizer(a) for a in list(api.authorizers.values())}
    responses = {
        r.response_type: GatewayResponseSpec(
            type=r.response_type,
            status_code=str(r.status_code) if r.status_code else None,
            parameters=dict(r.response_parameters or {}),
            templates=dict(r.response_templates or {}),
        )
        for r in list(api.gateway_responses.values())
    }
    policy = api.policy
    if isinstance(policy, str) and policy:
        try:
            policy = json.loads(policy.replace('\\"', '"'))
        except ValueError:
            policy = None
    return ApiSnapshot(
        api_id=api_id,
        name=api.name,
        deployment_id=deployment_id,
        resources=resources,
        authorizers=authorizers,
        gateway_responses=responses,
        api_key_source=api.api_key_source or "HEADER",
        policy=policy if isinstance(policy, dict) else None,
        binary_media_types=tuple(getattr(api, "binaryMediaTypes", None) or ()),
    )


def _resource(res: Any, api: Any = None) -> ResourceSpec:
    methods = {m: _method(method, api) for m, method in list(res.resource_methods.items())}
    return ResourceSpec(id=res.id, path=res.get_path(), methods=methods)


def _validation(method: Any, api: Any) -> dict[str, Any]:
    """The method's request validator and its request models' schemas (by content type)."""
    validator = None
    if api is not None and method.request_validator_id:
        validator = api.request_validators.get(method.request_validator_id)
    models: dict[str, Any] = {}
    by_name = {m.name: m for m in list(getattr(api, "models", {}).values())} if api else {}
    for content_type, name in (method.request_models or {}).items():
        model = by_name.get(name)
        if model is not None and model.schema:
            try:
                schema = json.loads(model.schema) if isinstance(model.schema, str) else model.schema
            except ValueError:
                continue
            models[str(content_type)] = schema
    return {
        "validate_body": bool(validator and validator.validate_request_body),
        "validate_parameters": bool(validator and validator.validate_request_parameters),
        "request_models": models,
    }


def _method(method: Any, api: Any = None) -> MethodSpec:
    integration = method.method_integration
    return MethodSpec(
        **_validation(method, api),
        http_method=method.http_method,
        authorization_type=(method.authorization_type or "NONE").upper(),
        authorizer_id=method.authorizer_id,
        api_key_required=bool(method.api_key_required),
        request_parameters=dict(method.request_parameters or {}),
        response_parameters={
            str(code): dict(resp.response_parameters or {})
            for code, resp in list(method.method_responses.items())
        },
        integration=_integration(integration) if integration is not None else None,
    )


def _integration(integration: Any) -> IntegrationSpec:
    timeout = integration.timeout_in_millis
    responses = integration.integration_responses or {}
    return IntegrationSpec(
        type=(integration.integration_type or "").upper(),
        uri=integration.uri or "",
        http_method=integration.http_method,
        passthrough=(integration.passthrough_behaviour or "WHEN_NO_MATCH").upper(),
        templates=dict(integration.request_templates or {}),
        parameters=dict(integration.request_parameters or {}),
        timeout_ms=int(timeout) if timeout else DEFAULT_TIMEOUT_MS,
        credentials=integration.credentials,
        cache_key_parameters=tuple(integration.cache_key_parameters or ()),
        responses={
            str(code): IntegrationResponseSpec(
                status_code=str(resp.status_code),
                selection_pattern=resp.selection_pattern or None,
                templates=dict(resp.response_templates or {}),
                parameters=dict(resp.response_parameters or {}),
            )
            for code, resp in list(responses.items())
        },
    )


def _authorizer(auth: Any) -> AuthorizerSpec:
    ttl = auth.authorizer_result_ttl
    return AuthorizerSpec(
        id=auth.id,
        name=auth.name,
        type=(auth.type or "TOKEN").upper(),
        uri=auth.authorizer_uri or "",
        identity_source=auth.identity_source or "method.request.header.Authorization",
        validation_expression=auth.identity_validation_expression,
        ttl_s=300 if ttl is None else int(ttl),
    )


# -- stages, keys, usage plans -----------------------------------------------------------------
def read_stage(account: str, region: str, api_id: str, name: str) -> StageView | None:
    api = _backend(account, region).apis.get(api_id)
    stage = api.stages.get(name) if api is not None else None
    if stage is None:
        return None
    return StageView(
        name=name,
        deployment_id=stage.deployment_id,
        variables=dict(stage.variables or {}),
        method_settings={k: dict(v) for k, v in list(stage.method_settings.items())},
        cache_enabled=bool(stage.cache_cluster_enabled),
        access_log=dict(stage.access_log_settings) if stage.access_log_settings else None,
    )


def stage_snapshot(account: str, region: str, api_id: str, name: str) -> dict[str, Any] | None:
    """What a redeploy must keep: moto replaces the stage object on CreateDeployment."""
    api = _backend(account, region).apis.get(api_id)
    stage = api.stages.get(name) if api is not None else None
    if stage is None:
        return None
    return {
        "method_settings": dict(stage.method_settings),
        "cache_cluster_enabled": stage.cache_cluster_enabled,
        "cache_cluster_status": stage.cache_cluster_status,
        "cache_cluster_size": stage.cache_cluster_size,
        "access_log_settings": stage.access_log_settings,
        "description": stage.description,
        "tracing_enabled": stage.tracing_enabled,
        "tags": stage.tags,
        "variables": dict(stage.variables or {}),
        "deployment_id": stage.deployment_id,
    }


def restore_stage(
    account: str,
    region: str,
    api_id: str,
    name: str,
    saved: dict[str, Any],
    deployment_id: str,
    new_variables: dict[str, str] | None,
) -> None:
    """Put back the settings a redeploy must not lose; point the stage at ``deployment_id``."""
    stage = _api(account, region, api_id).stages.get(name)
    if stage is None:
        return
    for attr in (
        "method_settings",
        "cache_cluster_enabled",
        "cache_cluster_status",
        "cache_cluster_size",
        "access_log_settings",
        "description",
        "tracing_enabled",
        "tags",
    ):
        setattr(stage, attr, saved[attr])
    stage.variables = {**saved["variables"], **(new_variables or {})}
    stage.deployment_id = deployment_id


def set_cache_key_parameters(
    account: str, region: str, api_id: str, resource_id: str, method: str, params: list[str]
) -> None:
    """moto's PutIntegration drops ``cacheKeyParameters``; keep them as AWS does."""
    try:
        res = _api(account, region, api_id).resources[resource_id]
        integration = res.resource_methods[method].method_integration
    except (LookupError, AttributeError):
        return
    if integration is not None:
        integration.cache_key_parameters = list(params)


def api_key_by_value(account: str, region: str, value: str) -> ApiKeyView | None:
    for key in list(_backend(account, region).keys.values()):
        if key.value == value:
            return ApiKeyView(id=key.id, value=key.value, enabled=_truthy(key.enabled))
    return None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def usage_plans(account: str, region: str, api_id: str, stage: str) -> list[UsagePlanView]:
    """Usage plans associated with this API stage, with the ids of their keys."""
    backend = _backend(account, region)
    found = []
    for plan in list(backend.usage_plans.values()):
        method_throttle: dict[str, dict[str, Any]] = {}
        attached = False
        for api_stage in plan.api_stages or []:
            if api_stage.get("apiId") == api_id and api_stage.get("stage") == stage:
                attached = True
                method_throttle.update(api_stage.get("throttle") or {})
        if not attached:
            continue
        keys = frozenset((backend.usage_plan_keys.get(plan.id) or {}).keys())
        found.append(
            UsagePlanView(
                id=plan.id,
                name=plan.name or plan.id,
                throttle=dict(plan.throttle or {}),
                quota=dict(plan.quota or {}),
                method_throttle=method_throttle,
                key_ids=keys,
            )
        )
    return found


def usage_plan(account: str, region: str, plan_id: str) -> UsagePlanView | None:
    backend = _backend(account, region)
    plan = backend.usage_plans.get(plan_id)
    if plan is None:
        return None
    keys = frozenset((backend.usage_plan_keys.get(plan.id) or {}).keys())
    return UsagePlanView(
        id=plan.id,
        name=plan.name or plan.id,
        throttle=dict(plan.throttle or {}),
        quota=dict(plan.quota or {}),
        method_throttle={},
        key_ids=keys,
    )


# -- Lambda resource policy ----------------------------------------------------------------------
def lambda_permits(
    account: str, region: str, function: str, qualifier: str | None, source_arn: str
) -> bool:
    """Does the function's resource policy let apigateway.amazonaws.com invoke this
    function (qualifier included) for ``source_arn``? Unknown function: True (the invoke
    itself then reports it missing)."""
    backend = region_backend(lambda_backends, account, region)
    name = function.split(":function:")[-1].split(":")[0] if ":function:" in function else function
    functions = backend._lambdas._functions.get(name)
    if functions is None:
        return True
    target = f"arn:aws:lambda:{region}:{account}:function:{name}"
    wanted = f"{target}:{qualifier}" if qualifier else target
    objects = [functions.get("latest")] + list(functions.get("versions") or [])
    for fn in objects:
        policy = getattr(fn, "policy", None)
        for statement in getattr(policy, "statements", None) or []:
            if _allows(statement, wanted, target, qualifier, source_arn):
                return True
    return False


def _allows(
    statement: dict[str, Any], wanted: str, target: str, qualifier: str | None, source_arn: str
) -> bool:
    if statement.get("Effect", "Allow") != "Allow":
        return False
    principal = statement.get("Principal")
    service = principal.get("Service") if isinstance(principal, dict) else principal
    if service not in ("apigateway.amazonaws.com", "*"):
        return False
    action = statement.get("Action")
    if action not in ("lambda:InvokeFunction", "lambda:*", "*"):
        return False
    resource = str(statement.get("Resource", ""))
    if resource != wanted and not (resource == target + ":*" and qualifier):
        return False
    condition = statement.get("Condition") or {}
    for block in condition.values():
        pattern = (block or {}).get("AWS:SourceArn") or (block or {}).get("aws:SourceArn")
        if pattern and not fnmatch.fnmatchcase(source_arn, str(pattern)):
            return False
    return True


def set_binary_media_types(account: str, region: str, api_id: str, types: list[str]) -> None:
    """CreateRestApi's binaryMediaTypes, which moto's handler does not pass on."""
    _api(account, region, api_id).binaryMediaTypes = list(types)
