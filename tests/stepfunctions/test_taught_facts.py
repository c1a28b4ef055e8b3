"""What lab 05 teaches about callbacks, pinned on the local AWS: a missed heartbeat is
States.HeartbeatTimeout, caught by its name or by States.ALL (the lab's advice)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stepfunctions.conftest import Runner, output_of
from tests.stepfunctions.test_callbacks import approval_machine


@pytest.mark.parametrize("errors", [["States.HeartbeatTimeout"], ["States.ALL"]])
def test_a_missed_heartbeat_is_caught_by_name_or_all(
    runner: Runner, aws: Any, errors: list[str]
) -> None:
    queue = aws.client("sqs").create_queue(QueueName="sf-taught-heartbeat")["QueueUrl"]
    definition = approval_machine(queue, heartbeat=1)
    ask = definition["States"]["AskManager"]
    ask.pop("End", None)
    ask["Next"] = "Done"
    ask["Catch"] = [{"ErrorEquals": errors, "ResultPath": "$.error", "Next": "Late"}]
    definition["States"]["Late"] = {"Type": "Pass", "OutputPath": "$.error", "End": True}
    definition["States"]["Done"] = {"Type": "Succeed"}
    described, _ = runner.run(definition, {"orderId": 9})
    assert output_of(described)["Error"] == "States.HeartbeatTimeout"
