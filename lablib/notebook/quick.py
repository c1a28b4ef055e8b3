"""Two one-call set-ups for a first look: a function behind a REST API, and a state machine.

Both go through boto3 only and are idempotent (re-running the cell reuses what exists), so
``%api`` and ``%sfn`` have something to call in a README-sized example. The labs build the
same things step by step.
"""

from __future__ import annotations

import json
from typing import Any

from ._aws import client

_STATES_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def proxy_api(function: str, stage: str = "dev", name: str | None = None) -> str:
    """A REST API named ``name`` (default ``<function>-api``) whose every path and method
    reaches ``function`` through a Lambda proxy integration, deployed to ``stage``.
    Returns the API id; :func:`lablib.notebook.stage_url` gives the stage's URL.
    """
    apigw, lam = client("apigateway"), client("lambda")
    name = name or f"{function}-api"
    arn = lam.get_function_configuration(FunctionName=function)["FunctionArn"]
    region = arn.split(":")[3]
    existing = [a["id"] for a in apigw.get_rest_apis(limit=500)["items"] if a["name"] == name]
    if existing:
        api_id: str = existing[0]
    else:
        api_id = apigw.create_rest_api(name=name)["id"]
        root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
        proxy = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
        uri = f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        for resource in (root, proxy):
            apigw.put_method(
                restApiId=api_id, resourceId=resource, httpMethod="ANY", authorizationType="NONE"
            )
            apigw.put_integration(
                restApiId=api_id,
                resourceId=resource,
                httpMethod="ANY",
                type="AWS_PROXY",
                integrationHttpMethod="POST",
                uri=uri,
            )
        account = arn.split(":")[4]
        lam.add_permission(
            FunctionName=function,
            StatementId=f"apigateway-{api_id}",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{region}:{account}:{api_id}/*/*/*",
        )
    apigw.create_deployment(restApiId=api_id, stageName=stage)
    return api_id


def state_machine(name: str, definition: dict[str, Any] | str) -> str:
    """Create (or update) a standard state machine ``name``; returns its ARN."""
    sfn, iam = client("stepfunctions"), client("iam")
    body = definition if isinstance(definition, str) else json.dumps(definition)
    role_name = "lablib-states-role"
    try:
        role = iam.get_role(RoleName=role_name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(
            RoleName=role_name, AssumeRolePolicyDocument=json.dumps(_STATES_TRUST)
        )["Role"]["Arn"]
    for machine in sfn.list_state_machines()["stateMachines"]:
        if machine["name"] == name:
            arn: str = machine["stateMachineArn"]
            sfn.update_state_machine(stateMachineArn=arn, definition=body, roleArn=role)
            return arn
    arn = sfn.create_state_machine(name=name, definition=body, roleArn=role)["stateMachineArn"]
    return arn
