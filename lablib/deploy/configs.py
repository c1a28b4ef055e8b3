"""CodeDeploy deployment configurations: the predefined ones and custom ones per region.

A Lambda configuration is a traffic-routing rule: all at once, a canary (P % first, the rest
after an interval) or linear (P % more every interval). ``steps()`` turns it into the weights
the engine applies to the alias's additional version, each with the wait that follows.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lablib.aws.moto_bridge.codedeploy import CodeDeployError


@dataclass(frozen=True)
class Routing:
    type: str  # TimeBasedCanary | TimeBasedLinear | AllAtOnce
    percentage: int = 100
    interval_minutes: int = 0

    def to_api(self) -> dict[str, Any]:
        if self.type == "TimeBasedCanary":
            return {
                "type": self.type,
                "timeBasedCanary": {
                    "canaryPercentage": self.percentage,
                    "canaryInterval": self.interval_minutes,
                },
            }
        if self.type == "TimeBasedLinear":
            return {
                "type": self.type,
                "timeBasedLinear": {
                    "linearPercentage": self.percentage,
                    "linearInterval": self.interval_minutes,
                },
            }
        return {"type": "AllAtOnce"}


def steps(routing: Routing) -> list[tuple[float, float]]:
    """[(weight on the new version, AWS minutes to wait after applying it), ...]."""
    if routing.type == "TimeBasedCanary":
        return [(routing.percentage / 100, float(routing.interval_minutes)), (1.0, 0.0)]
    if routing.type == "TimeBasedLinear":
        out: list[tuple[float, float]] = []
        share = routing.percentage
        while share < 100:
            out.append((share / 100, float(routing.interval_minutes)))
            share += routing.percentage
        out.append((1.0, 0.0))
        return out
    return [(1.0, 0.0)]


def _predefined() -> dict[str, Routing]:
    table = {"CodeDeployDefault.LambdaAllAtOnce": Routing("AllAtOnce")}
    for minutes in (5, 10, 15, 30):
        table[f"CodeDeployDefault.LambdaCanary10Percent{minutes}Minutes"] = Routing(
            "TimeBasedCanary", 10, minutes
        )
    for minutes in (1, 2, 3, 10):
        unit = "Minute" if minutes == 1 else "Minutes"
        table[f"CodeDeployDefault.LambdaLinear10PercentEvery{minutes}{unit}"] = Routing(
            "TimeBasedLinear", 10, minutes
        )
    return table


PREDEFINED = _predefined()
SERVER_PREDEFINED = {
    "CodeDeployDefault.AllAtOnce": {"type": "FLEET_PERCENT", "value": 0},
    "CodeDeployDefault.HalfAtATime": {"type": "FLEET_PERCENT", "value": 50},
    "CodeDeployDefault.OneAtATime": {"type": "HOST_COUNT", "value": 1},
}
_EPOCH = datetime(2014, 10, 6, tzinfo=UTC)


@dataclass
class Config:
    name: str
    platform: str
    routing: Routing | None
    minimum_healthy_hosts: dict[str, Any] | None
    created: datetime
    config_id: str

    def info(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "deploymentConfigId": self.config_id,
            "deploymentConfigName": self.name,
            "createTime": self.created,
            "computePlatform": self.platform,
        }
        if self.routing is not None:
            out["trafficRoutingConfig"] = self.routing.to_api()
        if self.minimum_healthy_hosts is not None:
            out["minimumHealthyHosts"] = self.minimum_healthy_hosts
        return out


def _builtin(name: str) -> Config | None:
    stable_id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    if name in PREDEFINED:
        return Config(name, "Lambda", PREDEFINED[name], None, _EPOCH, stable_id)
    if name in SERVER_PREDEFINED:
        return Config(name, "Server", None, SERVER_PREDEFINED[name], _EPOCH, stable_id)
    return None


def _routing_from_api(spec: dict[str, Any]) -> Routing:
    kind = spec.get("type", "AllAtOnce")
    if kind == "AllAtOnce":
        return Routing("AllAtOnce")
    key = {"TimeBasedCanary": "timeBasedCanary", "TimeBasedLinear": "timeBasedLinear"}.get(kind)
    if key is None:
        raise CodeDeployError(
            "InvalidTrafficRoutingConfigurationException",
            f"trafficRoutingConfig.type {kind!r} is not valid: use TimeBasedCanary, "
            "TimeBasedLinear or AllAtOnce",
        )
    body = spec.get(key) or {}
    prefix = "canary" if kind == "TimeBasedCanary" else "linear"
    percentage = body.get(f"{prefix}Percentage")
    interval = body.get(f"{prefix}Interval")
    if not isinstance(percentage, int) or not 1 <= percentage <= 99:
        raise CodeDeployError(
            "InvalidTrafficRoutingConfigurationException",
            f"trafficRoutingConfig.{key}.{prefix}Percentage must be a whole number from 1 to "
            f"99 (got {percentage!r})",
        )
    if not isinstance(interval, int) or interval < 1:
        raise CodeDeployError(
            "InvalidTrafficRoutingConfigurationException",
            f"trafficRoutingConfig.{key}.{prefix}Interval is in minutes and must be 1 or more "
            f"(got {interval!r})",
        )
    return Routing(kind, percentage, interval)


class ConfigStore:
    """Custom deployment configurations per (account, region); built-ins are always there."""

    def __init__(self) -> None:
        self._custom: dict[tuple[str, str, str], Config] = {}
        self._lock = threading.Lock()

    def get(self, account: str, region: str, name: str) -> Config:
        found = _builtin(name)
        if found is None:
            with self._lock:
                found = self._custom.get((account, region, name))
        if found is None:
            raise CodeDeployError(
                "DeploymentConfigDoesNotExistException",
                f"The deployment configuration {name} does not exist with the user or AWS "
                "account. Use a predefined one such as CodeDeployDefault.LambdaAllAtOnce or "
                "create it with create_deployment_config.",
            )
        return found

    def create(self, account: str, region: str, params: dict[str, Any]) -> Config:
        name = params.get("deploymentConfigName") or ""
        if not name:
            raise CodeDeployError(
                "DeploymentConfigNameRequiredException",
                "A deployment configuration name is required.",
            )
        if name.startswith("CodeDeployDefault.") or _builtin(name) is not None:
            raise CodeDeployError(
                "InvalidDeploymentConfigNameException",
                f"{name}: names starting with CodeDeployDefault. are reserved for predefined "
                "configurations",
            )
        platform = params.get("computePlatform") or "Server"
        routing_spec = params.get("trafficRoutingConfig")
        if platform == "Lambda":
            if not routing_spec:
                raise CodeDeployError(
                    "InvalidTrafficRoutingConfigurationException",
                    "A Lambda deployment configuration needs trafficRoutingConfig "
                    "(TimeBasedCanary, TimeBasedLinear or AllAtOnce)",
                )
            if params.get("minimumHealthyHosts"):
                raise CodeDeployError(
                    "InvalidMinimumHealthyHostValueException",
                    "minimumHealthyHosts applies to EC2/On-Premises (Server) configurations, "
                    "not to computePlatform Lambda",
                )
        config = Config(
            name,
            platform,
            _routing_from_api(routing_spec) if routing_spec else None,
            params.get("minimumHealthyHosts"),
            datetime.now(UTC),
            str(uuid.uuid4()),
        )
        with self._lock:
            if (account, region, name) in self._custom:
                raise CodeDeployError(
                    "DeploymentConfigAlreadyExistsException",
                    f"A deployment configuration named {name} already exists with the user or "
                    "AWS account.",
                )
            self._custom[(account, region, name)] = config
        return config

    def delete(self, account: str, region: str, name: str, in_use: list[str]) -> None:
        if _builtin(name) is not None:
            raise CodeDeployError(
                "InvalidOperationException",
                f"{name} is a predefined deployment configuration and cannot be deleted",
            )
        if in_use:
            raise CodeDeployError(
                "DeploymentConfigInUseException",
                f"The deployment configuration {name} is still used by deployment groups: "
                f"{', '.join(in_use)}",
            )
        with self._lock:
            self._custom.pop((account, region, name), None)

    def names(self, account: str, region: str) -> list[str]:
        with self._lock:
            custom = [n for (a, r, n) in self._custom if (a, r) == (account, region)]
        return sorted([*PREDEFINED, *SERVER_PREDEFINED]) + sorted(custom)
