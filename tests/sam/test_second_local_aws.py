"""A stack is deployed to a second local AWS in the same process (a notebook's
``lablib.start(fresh=True)``, or a test suite): its state machine is created and runs, even
when the first local AWS had switched the Step Functions interpreter on and off again."""

from __future__ import annotations

import json
import time
import uuid

from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY

DEFINITION = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": 1}, "End": True}}}


def test_state_machine_stack_on_a_second_local_aws() -> None:
    first = LocalAWS().start()
    try:
        first.client("stepfunctions", config=NO_RETRY).list_state_machines()
    finally:
        first.stop()
    second = LocalAWS().start()
    try:
        cfn = second.client("cloudformation", config=NO_RETRY)
        name = f"second-{uuid.uuid4().hex[:8]}"
        template = {
            "Resources": {
                "Machine": {
                    "Type": "AWS::StepFunctions::StateMachine",
                    "Properties": {
                        "RoleArn": "arn:aws:iam::123456789012:role/sfn",
                        "Definition": DEFINITION,
                    },
                }
            }
        }
        cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
        arn = cfn.describe_stack_resource(StackName=name, LogicalResourceId="Machine")[
            "StackResourceDetail"
        ]["PhysicalResourceId"]
        sfn = second.client("stepfunctions", config=NO_RETRY)
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        deadline = time.monotonic() + 60
        while (done := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the execution never ended"
            time.sleep(0.05)
        assert done["status"] == "SUCCEEDED"
        assert json.loads(done["output"]) == {"ok": 1}
    finally:
        second.stop()
