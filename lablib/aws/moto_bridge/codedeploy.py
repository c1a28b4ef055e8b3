"""moto internals for CodeDeploy: moto stores applications, deployment groups and deployments
(the control plane); lablib's deployment engine (lablib.deploy.engine) runs them.

``install_patches()`` (idempotent) adds the actions moto lacks to its response class and routes
them to the registered handler: CreateDeploymentConfig, GetDeploymentConfig,
ListDeploymentConfigs, DeleteDeploymentConfig, StopDeployment,
PutLifecycleEventHookExecutionStatus, GetDeploymentTarget, ListDeploymentTargets,
BatchGetDeploymentTargets. CreateDeploymentGroup, UpdateDeploymentGroup and CreateDeployment
are validated by the handler first and reported to it afterwards. GetDeployment and
GetDeploymentGroup show what moto leaves empty (errorInformation, rollbackInfo,
alarmConfiguration, ...). moto's CBOR/JSON protocol layer serialises everything.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any, Protocol

from moto.codedeploy import responses as cd_responses
from moto.codedeploy.exceptions import CodeDeployException
from moto.codedeploy.models import codedeploy_backends
from moto.codedeploy.responses import CodeDeployResponse
from moto.core.responses import ActionResult

from lablib.aws.moto_bridge.once import once

_handler: Handler | None = None

NEW_ACTIONS = (
    "create_deployment_config",
    "get_deployment_config",
    "list_deployment_configs",
    "delete_deployment_config",
    "stop_deployment",
    "put_lifecycle_event_hook_execution_status",
    "get_deployment_target",
    "list_deployment_targets",
    "batch_get_deployment_targets",
)
CHECKED_ACTIONS = ("create_deployment_group", "update_deployment_group", "create_deployment")


class CodeDeployError(CodeDeployException):
    """An error in CodeDeploy's vocabulary (HTTP 400 + error code)."""

    code = 400

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(error_type, message)
        self.error_type = error_type
        self.text = message


class Handler(Protocol):
    def call(
        self, action: str, account: str, region: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """Serve an action moto lacks."""
        ...

    def before(self, action: str, account: str, region: str, params: dict[str, Any]) -> None:
        """Validate a request moto will store (raise CodeDeployError to refuse it)."""
        ...

    def after(
        self, action: str, account: str, region: str, params: dict[str, Any], result: dict[str, Any]
    ) -> None:
        """React to a request moto stored (e.g. start running a deployment)."""
        ...


def set_handler(handler: Handler | None) -> None:
    global _handler
    _handler = handler


def _require_handler() -> Handler:
    if _handler is None:
        raise CodeDeployError(
            "InternalFailure", "CodeDeploy deployments are not running on this local AWS"
        )
    return _handler


def check_patch_points() -> None:
    for name in ("_deployment_info", "_deployment_group_info"):
        if not hasattr(cd_responses, name):
            raise RuntimeError(f"moto.codedeploy.responses.{name} moved")
    for name in CHECKED_ACTIONS[::2]:
        if not hasattr(CodeDeployResponse, name):
            raise RuntimeError(f"moto.codedeploy.responses.CodeDeployResponse.{name} moved")


def _params(response: Any) -> dict[str, Any]:
    return dict(response.params or {})


def _new_action(name: str) -> Any:
    def action(self: Any) -> ActionResult:
        result = _require_handler().call(name, self.current_account, self.region, _params(self))
        return ActionResult(result)

    action.__name__ = name
    return action


def _checked_action(name: str, original: Any) -> Any:
    @functools.wraps(original)
    def action(self: Any) -> Any:
        handler = _require_handler()
        params = _params(self)
        handler.before(name, self.current_account, self.region, params)
        result = original(self)
        body = getattr(result, "result", None)
        handler.after(name, self.current_account, self.region, params, dict(body or {}))
        return result

    return action


@once
def install_patches() -> None:
    """Add the actions moto lacks and fill in the fields it leaves empty (once)."""
    check_patch_points()
    for name in NEW_ACTIONS:
        setattr(CodeDeployResponse, name, _new_action(name))
    for name in CHECKED_ACTIONS:
        original = getattr(CodeDeployResponse, name, None)
        if original is None:
            original = _update_deployment_group_fallback
        setattr(CodeDeployResponse, name, _checked_action(name, original))
    original_info = cd_responses._deployment_info
    original_group = cd_responses._deployment_group_info

    def deployment_info(deployment: Any) -> dict[str, Any]:
        info: dict[str, Any] = original_info(deployment)
        info.update(getattr(deployment, "lablib_extra", {}))
        for key in (
            "errorInformation",
            "rollbackInfo",
            "previousRevision",
            "relatedDeployments",
        ):
            if not info.get(key):
                info.pop(key, None)
        if info.get("overrideAlarmConfiguration") is None:
            info.pop("overrideAlarmConfiguration", None)
        return info

    def group_info(group: Any) -> dict[str, Any]:
        info: dict[str, Any] = original_group(group)
        info["alarmConfiguration"] = _alarm_configuration(group)
        info.update(getattr(group, "lablib_extra", {}))
        return info

    cd_responses._deployment_info = deployment_info
    cd_responses._deployment_group_info = group_info  # type: ignore[assignment]


def _update_deployment_group_fallback(self: Any) -> ActionResult:
    params = _params(self)
    group = deployment_group_object(
        self.current_account,
        self.region,
        params.get("applicationName", ""),
        params.get("currentDeploymentGroupName", ""),
    )
    for key, attr in (
        ("deploymentConfigName", "deployment_config_name"),
        ("alarmConfiguration", "alarm_configuration"),
        ("autoRollbackConfiguration", "auto_rollback_configuration"),
        ("serviceRoleArn", "service_role_arn"),
    ):
        if key in params:
            setattr(group, attr, params[key])
    return ActionResult({"hooksNotCleanedUp": []})


def _alarm_configuration(group: Any) -> dict[str, Any]:
    config = group.alarm_configuration
    if config is None:
        return {"enabled": False, "ignorePollAlarmFailure": False, "alarms": []}
    if isinstance(config, dict):
        return {
            "enabled": bool(config.get("enabled", False)),
            "ignorePollAlarmFailure": bool(config.get("ignorePollAlarmFailure", False)),
            "alarms": list(config.get("alarms") or []),
        }
    return {
        "enabled": bool(config.enabled),
        "ignorePollAlarmFailure": bool(config.ignore_poll_alarm_failure),
        "alarms": list(config.alarms or []),
    }


# -- reading ---------------------------------------------------------------------------------
def _backend(account: str, region: str) -> Any:
    return codedeploy_backends[account][region]


def application(account: str, region: str, name: str) -> dict[str, Any] | None:
    app = _backend(account, region).applications.get(name)
    if app is None:
        return None
    return {"applicationName": app.application_name, "computePlatform": app.compute_platform}


def deployment_group_object(account: str, region: str, app: str, group: str) -> Any:
    groups = _backend(account, region).deployment_groups.get(app, {})
    if group not in groups:
        raise CodeDeployError(
            "DeploymentGroupDoesNotExistException",
            f"The deployment group {group} does not exist with the user or AWS account.",
        )
    return groups[group]


def deployment_group(account: str, region: str, app: str, group: str) -> dict[str, Any]:
    """A deployment group's settings as plain values (raises if it does not exist)."""
    obj = deployment_group_object(account, region, app, group)
    return {
        "deploymentConfigName": str(obj.deployment_config_name or ""),
        "alarmConfiguration": _alarm_configuration(obj),
        "autoRollbackConfiguration": dict(obj.auto_rollback_configuration or {}),
        "serviceRoleArn": obj.service_role_arn,
    }


def group_names_using_config(account: str, region: str, config_name: str) -> list[str]:
    out = []
    for app, groups in _backend(account, region).deployment_groups.items():
        for name, group in groups.items():
            if str(group.deployment_config_name) == config_name:
                out.append(f"{app}/{name}")
    return out


def deployment_exists(account: str, region: str, deployment_id: str) -> bool:
    return deployment_id in _backend(account, region).deployments


# -- writing ---------------------------------------------------------------------------------
_MOTO_FIELDS = (
    "status",
    "start_time",
    "complete_time",
    "creator",
    "deployment_overview",
    "deployment_config_name",
)


def set_group_config(account: str, region: str, app: str, group: str, config_name: str) -> None:
    deployment_group_object(account, region, app, group).deployment_config_name = config_name


def update_deployment(account: str, region: str, deployment_id: str, **fields: Any) -> None:
    """Set a deployment's status/times (moto's own fields) and extra response fields.

    Known keys: status, start_time, complete_time (datetimes), creator; anything else is a
    response field name such as ``errorInformation`` or ``rollbackInfo``.
    """
    deployment = _backend(account, region).deployments.get(deployment_id)
    if deployment is None:
        return
    extra = getattr(deployment, "lablib_extra", {})
    for key, value in fields.items():
        if key in _MOTO_FIELDS:
            if isinstance(value, datetime):
                value = value.astimezone(UTC).replace(tzinfo=None)  # moto keeps naive UTC
            setattr(deployment, key, value)
        else:
            extra[key] = value
    deployment.lablib_extra = extra


def create_rollback_deployment(
    account: str, region: str, original_id: str, description: str
) -> str:
    """Record a rollback deployment (creator codeDeployRollback) for ``original_id``."""
    backend = _backend(account, region)
    original = backend.deployments[original_id]
    new_id: str = backend.create_deployment(
        application_name=original.application_name,
        deployment_group_name=original.deployment_group_name,
        revision=original.revision,
        deployment_config_name="CodeDeployDefault.LambdaAllAtOnce",
        description=description,
    )
    backend.deployments[new_id].creator = "codeDeployRollback"
    return new_id


def created_at(account: str, region: str, deployment_id: str) -> datetime | None:
    deployment = _backend(account, region).deployments.get(deployment_id)
    if deployment is None:
        return None
    when: datetime = deployment.create_time
    return when if when.tzinfo else when.replace(tzinfo=UTC)
