"""The CodeDeploy API surface lablib adds to moto: deployment configs, validation of deployment
groups and deployments, StopDeployment, PutLifecycleEventHookExecutionStatus and the Lambda
deployment target. Errors use CodeDeploy's exception names and say what to fix."""

from __future__ import annotations

from typing import Any

from lablib.aws.moto_bridge import codedeploy as bridge
from lablib.aws.moto_bridge.codedeploy import CodeDeployError
from lablib.deploy import appspec
from lablib.deploy.configs import ConfigStore, Routing
from lablib.deploy.engine import DeploymentEngine, Run

ROLLBACK_EVENTS = {"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"}
MAX_ALARMS = 10


class CodeDeployService:
    def __init__(self, engine: DeploymentEngine) -> None:
        self.engine = engine
        self.configs = ConfigStore()

    # -- actions moto lacks -----------------------------------------------------------------
    def call(
        self, action: str, account: str, region: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        handler = getattr(self, f"_{action}")
        result: dict[str, Any] = handler(account, region, params)
        return result

    def _create_deployment_config(
        self, account: str, region: str, p: dict[str, Any]
    ) -> dict[str, Any]:
        config = self.configs.create(account, region, p)
        return {"deploymentConfigId": config.config_id}

    def _get_deployment_config(
        self, account: str, region: str, p: dict[str, Any]
    ) -> dict[str, Any]:
        config = self.configs.get(account, region, p.get("deploymentConfigName", ""))
        return {"deploymentConfigInfo": config.info()}

    def _list_deployment_configs(
        self, account: str, region: str, p: dict[str, Any]
    ) -> dict[str, Any]:
        return {"deploymentConfigsList": self.configs.names(account, region)}

    def _delete_deployment_config(
        self, account: str, region: str, p: dict[str, Any]
    ) -> dict[str, Any]:
        name = p.get("deploymentConfigName", "")
        self.configs.get(account, region, name)
        self.configs.delete(
            account, region, name, bridge.group_names_using_config(account, region, name)
        )
        return {}

    def _run(self, account: str, region: str, deployment_id: str) -> Run:
        with self.engine.lock:
            run = self.engine.runs.get(deployment_id or "")
        if run is None or (run.account, run.region) != (account, region):
            raise CodeDeployError(
                "DeploymentDoesNotExistException",
                f"The deployment {deployment_id} does not exist with the user or AWS account.",
            )
        return run

    def _stop_deployment(self, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        run = self._run(account, region, p.get("deploymentId", ""))
        with self.engine.lock:
            if not run.active:
                raise CodeDeployError(
                    "DeploymentAlreadyCompletedException",
                    f"The deployment {run.id} has already completed with status {run.status}.",
                )
            run.stop_request = bool(p.get("autoRollbackEnabled", False))
        return {"status": "Pending", "statusMessage": "Stopping Active Deployment"}

    def _put_lifecycle_event_hook_execution_status(
        self, account: str, region: str, p: dict[str, Any]
    ) -> dict[str, Any]:
        status = p.get("status")
        if status not in ("Succeeded", "Failed"):
            raise CodeDeployError(
                "InvalidLifecycleEventHookExecutionStatusException",
                f"status {status!r} cannot be reported: a hook reports Succeeded or Failed",
            )
        run = self._run(account, region, p.get("deploymentId", ""))
        hook_id = p.get("lifecycleEventHookExecutionId", "")
        with self.engine.lock:
            self.engine.report(run, hook_id, status)
        return {"lifecycleEventHookExecutionId": hook_id}

    def _target(self, run: Run) -> dict[str, Any]:
        spec = run.spec
        arn = f"arn:aws:lambda:{run.region}:{run.account}:function:{spec.function}:{spec.alias}"
        return {
            "deploymentTargetType": "LambdaTarget",
            "lambdaTarget": {
                "deploymentId": run.id,
                "targetId": f"{spec.function}:{spec.alias}",
                "targetArn": arn,
                "status": {"Created": "Pending"}.get(run.status, run.status),
                "lastUpdatedAt": run.updated,
                "lifecycleEvents": [event.api() for event in run.events.values()],
                "lambdaFunctionInfo": {
                    "functionName": spec.function,
                    "functionAlias": spec.alias,
                    "currentVersion": spec.current_version,
                    "targetVersion": spec.target_version,
                    "targetVersionWeight": run.weight,
                },
            },
        }

    def _get_deployment_target(
        self, account: str, region: str, p: dict[str, Any]
    ) -> dict[str, Any]:
        run = self._run(account, region, p.get("deploymentId", ""))
        with self.engine.lock:
            return {"deploymentTarget": self._target(run)}

    def _list_deployment_targets(
        self, account: str, region: str, p: dict[str, Any]
    ) -> dict[str, Any]:
        run = self._run(account, region, p.get("deploymentId", ""))
        return {"targetIds": [f"{run.spec.function}:{run.spec.alias}"]}

    def _batch_get_deployment_targets(
        self, account: str, region: str, p: dict[str, Any]
    ) -> dict[str, Any]:
        run = self._run(account, region, p.get("deploymentId", ""))
        with self.engine.lock:
            return {"deploymentTargets": [self._target(run)]}

    # -- validation before moto stores, reactions after ------------------------------------
    def before(self, action: str, account: str, region: str, p: dict[str, Any]) -> None:
        if action in ("create_deployment_group", "update_deployment_group"):
            self._check_group(account, region, p)
        elif action == "create_deployment":
            self._check_deployment(account, region, p)

    def _platform(self, account: str, region: str, app: str) -> str:
        info = bridge.application(account, region, app)
        if info is None:
            raise CodeDeployError(
                "ApplicationDoesNotExistException",
                f"The application {app} does not exist with the user or AWS account.",
            )
        return str(info["computePlatform"] or "Server")

    def _check_group(self, account: str, region: str, p: dict[str, Any]) -> None:
        platform = self._platform(account, region, p.get("applicationName", ""))
        name = p.get("deploymentConfigName")
        if name:
            config = self.configs.get(account, region, name)
            if config.platform != platform:
                raise CodeDeployError(
                    "InvalidDeploymentConfigNameException",
                    f"The deployment configuration {name} is for computePlatform "
                    f"{config.platform}, but application {p.get('applicationName')} uses "
                    f"{platform}: pick a {platform} configuration such as "
                    "CodeDeployDefault.LambdaCanary10Percent5Minutes",
                )
        alarms = (p.get("alarmConfiguration") or {}).get("alarms") or []
        if len(alarms) > MAX_ALARMS:
            raise CodeDeployError(
                "AlarmsLimitExceededException",
                f"A deployment group can watch at most {MAX_ALARMS} alarms (got {len(alarms)})",
            )
        rollback = p.get("autoRollbackConfiguration") or {}
        unknown = set(rollback.get("events") or []) - ROLLBACK_EVENTS
        if unknown:
            raise CodeDeployError(
                "InvalidAutoRollbackConfigException",
                f"Unknown auto-rollback events {sorted(unknown)}: use "
                f"{', '.join(sorted(ROLLBACK_EVENTS))}",
            )

    def _check_deployment(self, account: str, region: str, p: dict[str, Any]) -> None:
        app, group = p.get("applicationName", ""), p.get("deploymentGroupName", "")
        platform = self._platform(account, region, app)
        if platform != "Lambda":
            return
        settings = bridge.deployment_group(account, region, app, group)
        self.configs.get(
            account, region, p.get("deploymentConfigName") or settings["deploymentConfigName"]
        )
        try:
            appspec.parse(appspec.content_of(p.get("revision")))
        except appspec.AppSpecError as exc:
            raise CodeDeployError("InvalidRevisionException", str(exc)) from None
        with self.engine.lock:
            busy = [
                run.id
                for run in self.engine.runs.values()
                if run.active
                and (run.account, run.region) == (account, region)
                and run.group == (app, group)
            ]
        if busy:
            raise CodeDeployError(
                "DeploymentLimitExceededException",
                f"The deployment group {group} already has an active deployment {busy[0]}: "
                "wait for it to finish or stop it first.",
            )

    def after(
        self, action: str, account: str, region: str, p: dict[str, Any], result: dict[str, Any]
    ) -> None:
        app = p.get("applicationName", "")
        if action == "create_deployment" and self._platform(account, region, app) == "Lambda":
            self._start(account, region, p, str(result["deploymentId"]))
        elif action == "create_deployment_group" and not p.get("deploymentConfigName"):
            if self._platform(account, region, app) == "Lambda":
                bridge.set_group_config(
                    account,
                    region,
                    app,
                    p.get("deploymentGroupName", ""),
                    "CodeDeployDefault.LambdaAllAtOnce",
                )

    def _start(self, account: str, region: str, p: dict[str, Any], deployment_id: str) -> None:
        app, group = p.get("applicationName", ""), p.get("deploymentGroupName", "")
        settings = bridge.deployment_group(account, region, app, group)
        config_name = p.get("deploymentConfigName") or settings["deploymentConfigName"]
        config = self.configs.get(account, region, config_name)
        alarm_config = p.get("overrideAlarmConfiguration") or settings["alarmConfiguration"]
        rollback = p.get("autoRollbackConfiguration") or settings["autoRollbackConfiguration"]
        events = set(rollback.get("events") or []) if rollback.get("enabled") else set()
        run = Run(
            id=deployment_id,
            account=account,
            region=region,
            spec=appspec.parse(appspec.content_of(p.get("revision"))),
            routing=config.routing or Routing("AllAtOnce"),
            alarms=[a["name"] for a in alarm_config.get("alarms") or [] if a.get("name")],
            alarms_enabled=bool(alarm_config.get("enabled")),
            ignore_poll_failure=bool(alarm_config.get("ignorePollAlarmFailure")),
            rollback_events=events,
            group=(app, group),
        )
        bridge.update_deployment(account, region, deployment_id, deployment_config_name=config_name)
        self.engine.add(run)
