"""The deploy plugin: Lambda alias rules, CloudWatch alarm evaluation and CodeDeploy for Lambda.

``install(local)`` patches moto (through ``lablib.aws.moto_bridge``) and starts two bounded
background threads, the alarm evaluator and the deployment engine; ``close()`` stops both.
moto's backends are per process, so when several local AWS instances run in one process
(tests do that) only the newest running plugin evaluates alarms and serves CodeDeploy.
"""

from __future__ import annotations

import threading
from typing import Any

from lablib.aws import fidelity_http
from lablib.aws.moto_bridge import aliases, cloudwatch, codedeploy
from lablib.deploy.alarms import AlarmEvaluator
from lablib.deploy.engine import DeploymentEngine
from lablib.deploy.service import CodeDeployService

_active: list[DeployPlugin] = []
_active_lock = threading.Lock()


class DeployPlugin:
    def __init__(self, local: Any) -> None:
        self.local = local
        aliases.install_patches()
        cloudwatch.install_patches()
        codedeploy.install_patches()
        fidelity_http.install(local, ["codedeploy", "cloudwatch"])  # ignored parameters are loud
        self._clients: dict[tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()
        self.engine = DeploymentEngine(local.clock, self.client, local.lambda_plane)
        # The bridge's handler protocol (call/before/after) is served by the service object.
        self.service = CodeDeployService(self.engine)
        self.evaluator = AlarmEvaluator(
            local.clock, self._publish, local.telemetry.drain, active=self.is_active
        )
        with _active_lock:
            _active.append(self)
        codedeploy.set_handler(self.service)
        self.engine.start()
        self.evaluator.start()

    def is_active(self) -> bool:
        with _active_lock:
            return bool(_active) and _active[-1] is self

    def client(self, service: str, region: str) -> Any:
        with self._clients_lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self.local.client(service, region_name=region)
            return self._clients[key]

    def _publish(self, region: str, topic: str, subject: str, message: str) -> None:
        self.client("sns", topic.split(":")[3] or region).publish(
            TopicArn=topic, Subject=subject, Message=message
        )

    def close(self) -> None:
        self.evaluator.close()
        self.engine.close()
        with _active_lock:
            if self in _active:
                _active.remove(self)
            successor = _active[-1] if _active else None
        codedeploy.set_handler(successor.service if successor else None)


def install(local: Any) -> DeployPlugin:
    return DeployPlugin(local)
