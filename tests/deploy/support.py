"""Helpers for deployment tests: a released function with two versions, an alias, a CodeDeploy
application and deployment group, an error alarm, and steady traffic. boto3 only."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import zip_of

FUNCTIONS = Path(__file__).resolve().parents[2] / "labs" / "functions" / "versions-aliases"


def source(name: str) -> str:
    return (FUNCTIONS / f"{name}.py").read_text()


def release(lam: Any, role: str, broken_v2: bool, alias: str = "live") -> str:
    """A function with version 1 (good) and version 2 (good or broken), alias -> 1."""
    name = f"orders-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zip_of({"app.py": source("app")})},
        Environment={"Variables": {"RELEASE": "1"}},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    lam.publish_version(FunctionName=name)
    variables = {"RELEASE": "2", **({"BROKEN": "1"} if broken_v2 else {})}
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": variables})
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.publish_version(FunctionName=name)
    if alias:
        lam.create_alias(FunctionName=name, Name=alias, FunctionVersion="1")
    return name


def hook(lam: Any, role: str, result: str = "Succeeded") -> str:
    name = f"hook-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="hook.handler",
        Code={"ZipFile": zip_of({"hook.py": source("hook")})},
        Environment={"Variables": {"HOOK_RESULT": result}},
        Timeout=30,
    )
    return name


def appspec(
    function: str, alias: str = "live", before: str = "", after: str = ""
) -> dict[str, Any]:
    hooks = [{k: v} for k, v in (("BeforeAllowTraffic", before), ("AfterAllowTraffic", after)) if v]
    content = {
        "version": 0.0,
        "Resources": [
            {
                "orders": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": function,
                        "Alias": alias,
                        "CurrentVersion": "1",
                        "TargetVersion": "2",
                    },
                }
            }
        ],
        "Hooks": hooks,
    }
    return {"revisionType": "AppSpecContent", "appSpecContent": {"content": json.dumps(content)}}


def error_alarm(cloudwatch: Any, function: str, alias: str = "live") -> str:
    name = f"{function}-errors"
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[
            {"Name": "FunctionName", "Value": function},
            {"Name": "Resource", "Value": f"{function}:{alias}"},
        ],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    return name


def group(
    cd: Any,
    role: str,
    config: str,
    alarms: list[str] | None = None,
    rollback_events: list[str] | None = None,
) -> tuple[str, str]:
    app = f"app-{uuid.uuid4().hex[:8]}"
    cd.create_application(applicationName=app, computePlatform="Lambda")
    extra: dict[str, Any] = {}
    if alarms:
        extra["alarmConfiguration"] = {
            "enabled": True,
            "alarms": [{"name": a} for a in alarms],
        }
    if rollback_events:
        extra["autoRollbackConfiguration"] = {"enabled": True, "events": rollback_events}
    cd.create_deployment_group(
        applicationName=app,
        deploymentGroupName="live",
        deploymentConfigName=config,
        serviceRoleArn=role,
        deploymentStyle={
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        **extra,
    )
    return app, "live"


def wait_done(cd: Any, deployment_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info: dict[str, Any] = cd.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        if info["status"] in ("Succeeded", "Failed", "Stopped"):
            return info
        time.sleep(0.05)
    raise AssertionError(f"deployment {deployment_id} still {info['status']} after {timeout} s")


@contextmanager
def traffic(lam: Any, function: str, alias: str = "live") -> Iterator[dict[str, Any]]:
    """Call the alias steadily in the background; yields counters and the weight samples."""
    seen: dict[str, Any] = {"calls": 0, "errors": 0, "versions": {}, "weights": []}
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            response = lam.invoke(FunctionName=function, Qualifier=alias, Payload=b'{"order": 1}')
            seen["calls"] += 1
            seen["errors"] += 1 if response.get("FunctionError") else 0
            version = response["ExecutedVersion"]
            seen["versions"][version] = seen["versions"].get(version, 0) + 1
            config = lam.get_alias(FunctionName=function, Name=alias)
            weights = (config.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            on_target = 1.0 if config["FunctionVersion"] == "2" else float(weights.get("2", 0.0))
            seen["weights"].append(on_target)
            time.sleep(0.01)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join(30)


def wait_for_weight(lam: Any, function: str, weight: float, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        config = lam.get_alias(FunctionName=function, Name="live")
        weights = (config.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        if abs(float(weights.get("2", 0.0)) - weight) < 1e-9:
            return
        time.sleep(0.02)
    raise AssertionError(f"alias of {function} never reached weight {weight}")
