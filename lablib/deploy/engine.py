"""Runs CodeDeploy deployments for Lambda on the lab clock.

One background thread ticks every active deployment through AWS's lifecycle:
Start -> BeforeAllowTraffic (hook) -> AllowTraffic (alias weights shifted step by step through
UpdateAlias RoutingConfig) -> AfterAllowTraffic (hook) -> End. Hooks are invoked
asynchronously with ``{DeploymentId, LifecycleEventHookExecutionId}`` and must report through
PutLifecycleEventHookExecutionStatus within 1 hour (AWS time). The deployment group's alarms
are read with DescribeAlarms on every tick; one in ALARM stops the deployment.

When a deployment fails or stops and the matching auto-rollback event is enabled
(DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM, or StopDeployment(autoRollbackEnabled=True)),
the alias goes back to the original version at once and a rollback deployment (creator
``codeDeployRollback``) records it. Without rollback the alias is left as it was, which is what
AWS documents for a stopped Lambda deployment (the next deployment then refuses to start until
the alias points at one version again).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lablib.aws.clock import LabClock
from lablib.aws.moto_bridge import ResolveError
from lablib.aws.moto_bridge import codedeploy as bridge
from lablib.deploy.appspec import AppSpec
from lablib.deploy.configs import Routing, steps

HOOK_TIMEOUT_AWS_S = 3600.0
EVENTS = ("Start", "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic", "End")
MAX_ACTIVE = 100


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Event:
    name: str
    status: str = "Pending"
    start: datetime | None = None
    end: datetime | None = None
    message: str = ""
    hook_id: str = ""
    function: str | None = None
    deadline: float = 0.0

    def api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"lifecycleEventName": self.name, "status": self.status}
        if self.start:
            out["startTime"] = self.start
        if self.end:
            out["endTime"] = self.end
        if self.message:
            out["diagnostics"] = {
                "errorCode": "Success" if self.status == "Succeeded" else "ScriptFailed",
                "scriptName": self.function or "",
                "message": self.message,
                "logTail": "",
            }
        return out


@dataclass
class Run:
    id: str
    account: str
    region: str
    spec: AppSpec
    routing: Routing
    alarms: list[str]
    alarms_enabled: bool
    ignore_poll_failure: bool
    rollback_events: set[str]
    group: tuple[str, str] = ("", "")
    status: str = "Created"
    phase: int = 0
    steps: list[tuple[float, float]] = field(default_factory=list)
    step: int = -1
    next_step_at: float = 0.0
    weight: float = 0.0
    stop_request: bool | None = None
    events: dict[str, Event] = field(default_factory=dict)
    updated: datetime = field(default_factory=_now)

    @property
    def active(self) -> bool:
        return self.status in ("Created", "InProgress")


class DeploymentEngine:
    """Owns running deployments; ``start()``/``close()`` manage its one background thread."""

    def __init__(
        self,
        clock: LabClock,
        client: Callable[[str, str], Any],
        lambda_plane: Any,
        tick: float = 0.05,
    ) -> None:
        self.clock = clock
        self.client = client
        self.lambda_plane = lambda_plane
        self.tick = tick
        self.runs: dict[str, Run] = {}
        self.lock = threading.RLock()
        self._stop = threading.Event()
        # Set when a deployment is added (or the engine closes): with none in progress the
        # loop sleeps on it instead of ticking.
        self._wake = threading.Event()
        self.parked = False  # waiting for a deployment (tests: no ticks while idle)
        self.passes = 0  # passes over the deployments in progress
        self._thread = threading.Thread(target=self._loop, name="codedeploy-engine", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def add(self, run: Run) -> None:
        with self.lock:
            active = sum(1 for r in self.runs.values() if r.active)
            if active >= MAX_ACTIVE:
                raise bridge.CodeDeployError(
                    "DeploymentLimitExceededException",
                    f"At most {MAX_ACTIVE} deployments can run at once on the local AWS",
                )
            run.steps = steps(run.routing)
            run.events = {name: Event(name) for name in EVENTS}
            for name in ("BeforeAllowTraffic", "AfterAllowTraffic"):
                run.events[name].function = run.spec.hooks.get(name)
            self.runs[run.id] = run
            self._wake.set()

    # -- the loop ---------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.wait(self.tick):
            with self.lock:
                active = [run for run in self.runs.values() if run.active]
                if not active:
                    self._wake.clear()  # under the lock: an add() after this sets it again
            if not active:
                self.parked = True
                self._wake.wait()
                self.parked = False
                continue
            self.passes += 1
            for run in active:
                try:
                    with self.lock:
                        self._advance(run)
                except Exception as exc:  # keep the engine alive; fail this deployment
                    with self.lock:
                        self._fail(
                            run, "Failed", "INTERNAL_ERROR", f"lablib engine error: {exc!r}", None
                        )

    def _advance(self, run: Run) -> None:
        now = time.time()
        if run.status == "Created":
            self._begin(run)
            return
        if run.stop_request is not None:
            event = "DEPLOYMENT_STOP_ON_REQUEST" if run.stop_request else None
            self._fail(
                run,
                "Stopped",
                "MANUAL_STOP",
                "The deployment was stopped by a user.",
                event,
                forced=run.stop_request,
            )
            return
        fired = self._alarm_problem(run)
        if fired is not None:
            self._fail(run, "Stopped", "ALARM_ACTIVE", fired, "DEPLOYMENT_STOP_ON_ALARM")
            return
        name = EVENTS[run.phase]
        if name in ("BeforeAllowTraffic", "AfterAllowTraffic"):
            self._hook(run, run.events[name], now)
        elif name == "AllowTraffic":
            self._traffic(run, now)

    def _begin(self, run: Run) -> None:
        run.status = "InProgress"
        started = _now()
        bridge.update_deployment(
            run.account,
            run.region,
            run.id,
            status="InProgress",
            start_time=started,
            deployment_overview=_overview("InProgress"),
        )
        start = run.events["Start"]
        start.status, start.start = "InProgress", started
        problem = self._check_lambda(run)
        if problem is not None:
            code, message = problem
            self._fail(run, "Failed", code, message, "DEPLOYMENT_FAILURE", shifted=False)
            return
        fired = self._alarm_problem(run)
        if fired is not None:
            self._fail(
                run, "Stopped", "ALARM_ACTIVE", fired, "DEPLOYMENT_STOP_ON_ALARM", shifted=False
            )
            return
        start.status, start.end = "Succeeded", _now()
        run.phase = 1

    def _next_phase(self, run: Run) -> None:
        run.phase += 1
        if EVENTS[run.phase] == "End":
            end = run.events["End"]
            end.status, end.start, end.end = "Succeeded", _now(), _now()
            run.status = "Succeeded"
            bridge.update_deployment(
                run.account,
                run.region,
                run.id,
                status="Succeeded",
                complete_time=_now(),
                deployment_overview=_overview("Succeeded"),
            )

    # -- lifecycle hooks --------------------------------------------------------------------
    def _hook(self, run: Run, event: Event, now: float) -> None:
        if event.status == "Pending":
            event.start = _now()
            if not event.function:
                event.status, event.end = "Skipped", event.start
                self._next_phase(run)
                return
            event.status = "InProgress"
            event.hook_id = _hook_id()
            event.deadline = now + self.clock.real_seconds(HOOK_TIMEOUT_AWS_S)
            payload = json.dumps(
                {"DeploymentId": run.id, "LifecycleEventHookExecutionId": event.hook_id}
            ).encode()
            try:
                self.lambda_plane.invoke_async(event.function, payload, None, run.region)
            except ResolveError as exc:
                event.message = exc.message
                self._hook_failed(
                    run,
                    event,
                    f"The {event.name} hook function could not be invoked: {exc.message}",
                )
            return
        if event.status == "Succeeded":
            self._next_phase(run)
        elif event.status == "Failed":
            self._hook_failed(
                run, event, f"The {event.name} hook {event.function} reported Failed."
            )
        elif event.status == "InProgress" and now >= event.deadline:
            event.message = (
                f"The {event.name} hook {event.function} did not call "
                "PutLifecycleEventHookExecutionStatus within 1 hour (lab clock: "
                f"{self.clock.real_seconds(HOOK_TIMEOUT_AWS_S):g} s here)."
            )
            self._hook_failed(run, event, event.message)

    def _hook_failed(self, run: Run, event: Event, detail: str) -> None:
        event.status, event.end = "Failed", _now()
        event.message = event.message or detail
        message = (
            "The deployment failed because one or more of the lifecycle event validations "
            f"failed. {detail}"
        )
        self._fail(run, "Failed", "HOOK_EXECUTION_FAILURE", message, "DEPLOYMENT_FAILURE")

    def report(self, run: Run, hook_id: str, status: str) -> None:
        for event in run.events.values():
            if event.hook_id == hook_id:
                if event.status != "InProgress":
                    raise bridge.CodeDeployError(
                        "LifecycleEventAlreadyCompletedException",
                        f"The lifecycle event {event.name} of deployment {run.id} already "
                        f"completed with status {event.status}.",
                    )
                event.status = status
                event.end = _now()
                event.message = f"{event.name} hook reported {status}"
                return
        raise bridge.CodeDeployError(
            "InvalidLifecycleEventHookExecutionIdException",
            f"{hook_id!r} is not a lifecycle event hook execution id of deployment {run.id}: "
            "pass the LifecycleEventHookExecutionId from the hook's event",
        )

    # -- traffic ----------------------------------------------------------------------------
    def _traffic(self, run: Run, now: float) -> None:
        event = run.events["AllowTraffic"]
        if event.status == "Pending":
            event.status, event.start = "InProgress", _now()
        if run.step >= 0 and now < run.next_step_at:
            return
        run.step += 1
        if run.step >= len(run.steps):
            event.status, event.end = "Succeeded", _now()
            self._next_phase(run)
            return
        weight, wait_minutes = run.steps[run.step]
        self._set_weight(run, weight)
        run.next_step_at = now + self.clock.real_seconds(wait_minutes * 60)

    def _set_weight(self, run: Run, weight: float) -> None:
        lam = self.client("lambda", run.region)
        spec = run.spec
        if weight >= 1.0:
            lam.update_alias(
                FunctionName=spec.function,
                Name=spec.alias,
                FunctionVersion=spec.target_version,
                RoutingConfig={"AdditionalVersionWeights": {}},
            )
        elif weight <= 0.0:
            lam.update_alias(
                FunctionName=spec.function,
                Name=spec.alias,
                FunctionVersion=spec.current_version,
                RoutingConfig={"AdditionalVersionWeights": {}},
            )
        else:
            lam.update_alias(
                FunctionName=spec.function,
                Name=spec.alias,
                FunctionVersion=spec.current_version,
                RoutingConfig={"AdditionalVersionWeights": {spec.target_version: round(weight, 4)}},
            )
        run.weight = weight
        run.updated = _now()

    # -- checks -----------------------------------------------------------------------------
    def _check_lambda(self, run: Run) -> tuple[str, str] | None:
        lam = self.client("lambda", run.region)
        spec = run.spec
        try:
            alias = lam.get_alias(FunctionName=spec.function, Name=spec.alias)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code == "ResourceNotFoundException":
                return (
                    "INVALID_LAMBDA_CONFIGURATION",
                    f"The Lambda function {spec.function} or its alias {spec.alias} does not "
                    "exist: create the alias (pointing at CurrentVersion) before deploying.",
                )
            raise
        for label, version in (
            ("CurrentVersion", spec.current_version),
            ("TargetVersion", spec.target_version),
        ):
            try:
                lam.get_function_configuration(FunctionName=spec.function, Qualifier=version)
            except Exception:
                return (
                    "INVALID_LAMBDA_FUNCTION",
                    f"The AppSpec {label} {version} of {spec.function} does not exist: "
                    "publish it first (PublishVersion).",
                )
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        if weights:
            return (
                "INVALID_LAMBDA_CONFIGURATION",
                f"The alias {spec.alias} routes traffic to more than one version "
                f"({alias['FunctionVersion']} plus {', '.join(weights)}), for example after a "
                "stopped deployment: point it at one version (UpdateAlias with empty "
                "AdditionalVersionWeights) and deploy again.",
            )
        if alias["FunctionVersion"] != spec.current_version:
            return (
                "INVALID_LAMBDA_CONFIGURATION",
                f"The alias {spec.alias} points to version {alias['FunctionVersion']}, but the "
                f"AppSpec CurrentVersion is {spec.current_version}.",
            )
        return None

    def _alarm_problem(self, run: Run) -> str | None:
        if not run.alarms_enabled or not run.alarms:
            return None
        try:
            found = self.client("cloudwatch", run.region).describe_alarms(AlarmNames=run.alarms)
        except Exception as exc:
            if run.ignore_poll_failure:
                return None
            return f"Could not retrieve the deployment group's alarms from CloudWatch: {exc}"
        alarms = {
            a["AlarmName"]: a
            for a in found.get("MetricAlarms", []) + found.get("CompositeAlarms", [])
        }
        missing = [name for name in run.alarms if name not in alarms]
        if missing and not run.ignore_poll_failure:
            return (
                "The deployment group's alarm configuration names alarms that do not exist: "
                f"{', '.join(missing)}"
            )
        active = [name for name, alarm in alarms.items() if alarm["StateValue"] == "ALARM"]
        if active:
            return (
                "One or more alarms have been activated according to the Amazon CloudWatch "
                "metrics you selected, and the affected deployments have been stopped. "
                f"Activated alarms: <{', '.join(sorted(active))}>"
            )
        return None

    # -- endings ----------------------------------------------------------------------------
    def _fail(
        self,
        run: Run,
        status: str,
        code: str,
        message: str,
        rollback_event: str | None,
        shifted: bool = True,
        forced: bool | None = None,
    ) -> None:
        now = _now()
        for event in run.events.values():
            if event.status == "InProgress":
                event.status, event.end = "Failed", now
                event.message = event.message or message
            elif event.status == "Pending":
                event.status = "Skipped"
        run.status = status
        ending: dict[str, Any] = {
            "status": status,
            "complete_time": now,
            "errorInformation": {"code": code, "message": message},
            "deployment_overview": _overview("Failed"),
        }
        rollback = bool(forced) or (
            rollback_event is not None and rollback_event in run.rollback_events
        )
        if not rollback:
            bridge.update_deployment(run.account, run.region, run.id, **ending)
            return
        # The rollback is recorded and the alias restored before the ending becomes visible,
        # so a caller that sees Stopped/Failed also sees where the traffic went.
        rollback_id = bridge.create_rollback_deployment(
            run.account, run.region, run.id, f"Rollback of deployment {run.id}"
        )
        started = _now()
        bridge.update_deployment(
            run.account,
            run.region,
            rollback_id,
            status="InProgress",
            start_time=started,
            deployment_overview=_overview("InProgress"),
            rollbackInfo={
                "rollbackTriggeringDeploymentId": run.id,
                "rollbackMessage": f"Rolling back alias {run.spec.alias} to version "
                f"{run.spec.current_version}.",
            },
        )
        if shifted:
            self._set_weight(run, 0.0)
        bridge.update_deployment(
            run.account,
            run.region,
            rollback_id,
            status="Succeeded",
            complete_time=_now(),
            deployment_overview=_overview("Succeeded"),
        )
        ending["rollbackInfo"] = {
            "rollbackDeploymentId": rollback_id,
            "rollbackMessage": f"Automatic rollback triggered: {code}. Traffic of alias "
            f"{run.spec.alias} is back on version {run.spec.current_version}.",
        }
        bridge.update_deployment(run.account, run.region, run.id, **ending)


def _overview(state: str) -> dict[str, int]:
    out = {"Pending": 0, "InProgress": 0, "Succeeded": 0, "Failed": 0, "Skipped": 0, "Ready": 0}
    out[state] = 1
    return out


def _hook_id() -> str:
    return "eyJlbmNyeXB0ZWREYXRhIjoi" + uuid.uuid4().hex + uuid.uuid4().hex[:16]
