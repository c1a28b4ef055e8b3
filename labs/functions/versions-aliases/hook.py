"""A CodeDeploy lifecycle hook (BeforeAllowTraffic / AfterAllowTraffic).

CodeDeploy invokes it asynchronously with DeploymentId and LifecycleEventHookExecutionId; the
hook must report Succeeded or Failed with PutLifecycleEventHookExecutionStatus (within an hour).
HOOK_RESULT chooses what this one reports: Succeeded (default), Failed, or none (it never
reports, so the deployment waits for the hook timeout).
"""

import os

import boto3


def handler(event, context):
    result = os.environ.get("HOOK_RESULT", "Succeeded")
    print(f"hook for deployment {event['DeploymentId']}: reporting {result}")
    if result == "none":
        return {"reported": None}
    boto3.client("codedeploy").put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=result,
    )
    return {"reported": result}
