"""Step Functions data plane: switch on moto's ASL interpreter for this local AWS.

Loaded by ``lablib.aws.server`` (PLUGINS). Executions then really run: Task states invoke
our Lambda runtime (and SQS, SNS, DynamoDB) through boto3 on the local endpoint; Wait
states and Retry intervals run on the lab clock.
"""

from __future__ import annotations

import os
from typing import Any

from lablib.aws.moto_bridge import stepfunctions as bridge
from lablib.stepfunctions.validate import describe_problems

# StartSyncExecution is modelled with the host prefix "sync-"; against 127.0.0.1 that
# would become "sync-127.0.0.1", which does not resolve. botocore honours this variable.
HOST_PREFIX_ENV = "AWS_DISABLE_HOST_PREFIX_INJECTION"


class StepFunctionsPlugin:
    """Keeps the interpreter switched on until ``close()``."""

    def __init__(self, local: Any) -> None:
        self._disable = bridge.enable(
            local.endpoint, local.clock.real_seconds, check_definition=describe_problems
        )
        self._saved_env = os.environ.get(HOST_PREFIX_ENV)
        self._set_env = getattr(local, "_set_environment", True)
        if self._set_env:
            os.environ[HOST_PREFIX_ENV] = "true"

    def close(self) -> None:
        self._disable()
        if self._set_env:
            if self._saved_env is None:
                os.environ.pop(HOST_PREFIX_ENV, None)
            else:
                os.environ[HOST_PREFIX_ENV] = self._saved_env


def install(local: Any) -> StepFunctionsPlugin:
    return StepFunctionsPlugin(local)
