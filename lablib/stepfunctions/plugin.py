"""Step Functions data plane: switch on moto's ASL interpreter for this local AWS.

Loaded by ``lablib.aws.server`` (PLUGINS) before the first Step Functions request.
Executions then really run: Task states invoke our Lambda runtime (and SQS, SNS, DynamoDB)
through boto3 on the local endpoint; Wait states and Retry intervals run on the lab clock;
CreateStateMachine/UpdateStateMachine reject bad definitions with ``validate``'s messages.
(StartSyncExecution needs AWS_DISABLE_HOST_PREFIX_INJECTION=true in the client's
environment, which the local AWS sets.)
"""

from __future__ import annotations

from typing import Any

from lablib.aws import fidelity_http
from lablib.aws.moto_bridge import stepfunctions as bridge
from lablib.stepfunctions.validate import describe_problems


class StepFunctionsPlugin:
    """Keeps the interpreter switched on until ``close()``."""

    def __init__(self, local: Any) -> None:
        self._disable = bridge.enable(
            local.endpoint, local.clock.real_seconds, check_definition=describe_problems
        )
        fidelity_http.install(local, ["stepfunctions"])  # ignored parameters are loud

    def close(self) -> None:
        self._disable()


def install(local: Any) -> StepFunctionsPlugin:
    return StepFunctionsPlugin(local)
