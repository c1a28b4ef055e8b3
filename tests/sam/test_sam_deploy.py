"""SAM templates deployed through CloudFormation on the local AWS, end to end (boto3 only)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from lablib.aws.server import LocalAWS
from lablib.sam.deploy import deploy, describe

from .conftest import APP, NO_RETRY


def _deploy(
    aws: LocalAWS, stack: str, template: Path = APP / "template.yaml", **params: str
) -> Any:
    return deploy(template, stack, aws.client("cloudformation"), aws.client("s3"), params)


def test_sam_app_deploys_and_serves(aws: LocalAWS, stack_name: str) -> None:
    result = _deploy(aws, stack_name, Stage="prod")
    assert result.status == "CREATE_COMPLETE", result.events
    kinds = {r["ResourceType"] for r in result.resources}
    assert {
        "AWS::Lambda::Function",
        "AWS::Lambda::Version",
        "AWS::Lambda::Alias",
        "AWS::IAM::Role",
        "AWS::DynamoDB::Table",
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGateway::Stage",
        "AWS::Lambda::EventSourceMapping",
        "AWS::Events::Rule",
        "AWS::CodeDeploy::DeploymentGroup",
    } <= kinds
    lam = aws.client("lambda", config=NO_RETRY)
    name = result.outputs["OrdersFunctionName"]
    config = lam.get_function_configuration(FunctionName=name)
    assert config["Environment"]["Variables"]["STAGE"] == "prod"
    assert (
        config["DeadLetterConfig"]["TargetArn"].endswith(":OrdersDLQ")
        or "OrdersDLQ" in (config["DeadLetterConfig"]["TargetArn"])
    )
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 5
    event = {"httpMethod": "POST", "body": json.dumps({"item": "book"})}
    reply = lam.invoke(FunctionName=name, Qualifier="live", Payload=json.dumps(event).encode())
    assert reply.get("FunctionError") is None, reply["Payload"].read()
    assert reply["ExecutedVersion"] == "1"
    body = json.loads(json.loads(reply["Payload"].read())["body"])
    assert body["item"] == "book" and body["stage"] == "prod"
    table = aws.client("dynamodb").scan(TableName=result.outputs["TableName"])
    assert [item["item"]["S"] for item in table["Items"]] == ["book"]
    # The SQS event source mapping hands the queued order to the shipper function.
    shipper = next(
        r["PhysicalResourceId"]
        for r in result.resources
        if r["LogicalResourceId"] == "ShipperFunction"
    )
    logs = aws.client("logs")
    deadline = time.monotonic() + 60
    found: list[str] = []
    while time.monotonic() < deadline and not found:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{shipper}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        found = [e["message"] for e in events if e["message"].startswith("shipped 1 order")]
        time.sleep(0.2)
    assert found and body["id"] in found[0]


def test_sam_api_event_becomes_rest_api_with_lambda_proxy(aws: LocalAWS, stack_name: str) -> None:
    result = _deploy(aws, stack_name)
    api_id = result.outputs["ApiId"]
    apigw = aws.client("apigateway")
    resources = {r["path"]: r for r in apigw.get_resources(restApiId=api_id)["items"]}
    orders = resources["/orders"]
    assert set(orders["resourceMethods"]) == {"GET", "POST"}
    integration = apigw.get_integration(restApiId=api_id, resourceId=orders["id"], httpMethod="GET")
    assert integration["type"] == "AWS_PROXY"
    assert integration["uri"].endswith(f":{result.outputs['OrdersFunctionName']}:live/invocations")
    stage = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert stage["variables"] == {"alias": "live"}


def test_sam_api_serves_http_through_the_alias(aws: LocalAWS, stack_name: str) -> None:
    """The Api event's permission is on the alias (FunctionName ...:live), so the stage URL
    reaches the function: POST then GET /orders over plain HTTP."""
    import requests

    result = _deploy(aws, stack_name)
    url = f"{aws.endpoint}/restapis/{result.outputs['ApiId']}/dev/_user_request_/orders"
    created = requests.post(url, json={"item": "mug"}, timeout=30)
    assert created.status_code == 201, created.text
    assert created.json()["item"] == "mug" and created.json()["stage"] == "dev"
    listed = requests.get(url, timeout=30)
    assert listed.status_code == 200 and listed.json()["count"] == 1
    policy = json.loads(
        aws.client("lambda").get_policy(
            FunctionName=result.outputs["OrdersFunctionName"], Qualifier="live"
        )["Policy"]
    )
    assert {s["Resource"].rsplit(":", 1)[1] for s in policy["Statement"]} == {"live"}


def test_sam_event_sources_are_wired(aws: LocalAWS, stack_name: str) -> None:
    result = _deploy(aws, stack_name)
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in result.resources}
    lam = aws.client("lambda")
    mappings = lam.list_event_source_mappings(FunctionName=physical["ShipperFunction"])
    sources = [m["EventSourceArn"] for m in mappings["EventSourceMappings"]]
    assert len(sources) == 1 and sources[0].endswith(physical["OrdersQueue"].rsplit("/", 1)[1])
    assert mappings["EventSourceMappings"][0]["BatchSize"] == 5
    events = aws.client("events")
    rule = events.describe_rule(Name=physical["ShipperFunctionNightly"])
    assert rule["ScheduleExpression"] == "rate(1 day)"
    targets = events.list_targets_by_rule(Rule=physical["ShipperFunctionNightly"])["Targets"]
    assert targets[0]["Arn"].endswith(f":function:{physical['ShipperFunction']}")


def test_sp_sam_autopublishalias_creates_alias(
    aws: LocalAWS, stack_name: str, tmp_path: Path
) -> None:
    """Verifies: sp.sam-autopublishalias-creates-alias

    AutoPublishAlias publishes a version and points the alias at it; changing the code
    publishes a new version and moves the alias (old versions stay)."""
    code = tmp_path / "src"
    code.mkdir()
    (code / "app.py").write_text("def handler(event, context):\n    return 'v1'\n")
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: src/\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      AutoPublishAlias: live\n"
        "      DeploymentPreference: {Type: Canary10Percent5Minutes}\n"
    )
    first = _deploy(aws, stack_name, template)
    assert first.status == "CREATE_COMPLETE", first.events
    name = next(r["PhysicalResourceId"] for r in first.resources if r["LogicalResourceId"] == "Fn")
    lam = aws.client("lambda", config=NO_RETRY)
    alias = lam.get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] == "1"
    assert json.loads(lam.invoke(FunctionName=name, Qualifier="live")["Payload"].read()) == "v1"

    (code / "app.py").write_text("def handler(event, context):\n    return 'v2'\n")
    second = _deploy(aws, stack_name, template)
    assert second.status == "UPDATE_COMPLETE", [
        e for e in second.events if e["ResourceStatusReason"]
    ]
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "2"
    assert json.loads(lam.invoke(FunctionName=name, Qualifier="live")["Payload"].read()) == "v2"
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions == ["$LATEST", "1", "2"]
    codedeploy = aws.client("codedeploy")
    physical = {r["ResourceType"]: r["PhysicalResourceId"] for r in second.resources}
    listed = codedeploy.list_deployments(
        applicationName=physical["AWS::CodeDeploy::Application"],
        deploymentGroupName=physical["AWS::CodeDeploy::DeploymentGroup"],
    )
    assert len(listed["deployments"]) == 1

    third = _deploy(aws, stack_name, template)
    assert third.status == "NO_CHANGES"


def test_delete_stack_removes_resources(aws: LocalAWS, cfn: Any, stack_name: str) -> None:
    result = _deploy(aws, stack_name)
    names = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in result.resources}
    cfn.delete_stack(StackName=stack_name)
    lam = aws.client("lambda")
    functions = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    assert names["OrdersFunction"] not in functions
    assert names["OrdersTable"] not in aws.client("dynamodb").list_tables()["TableNames"]
    summaries = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert stack_name in {s["StackName"] for s in summaries}


def test_describe_reports_outputs(aws: LocalAWS, cfn: Any, stack_name: str) -> None:
    _deploy(aws, stack_name)
    again = describe(cfn, stack_name)
    assert set(again.outputs) == {"ApiId", "OrdersFunctionName", "TableName", "QueueUrl"}
