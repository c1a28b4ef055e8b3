"""``AWS::StepFunctions::StateMachine`` through CloudFormation is visible to the Step Functions
API and runs, with DefinitionSubstitutions, DefinitionS3Location (``DefinitionUri`` packaged
by ``lablib deploy``), the EXPRESS type and the logging configuration kept."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from lablib.aws.server import LocalAWS
from lablib.sam.deploy import deploy

from .conftest import NO_RETRY


def test_sam_state_machine_from_definition_uri_with_substitutions(
    aws: LocalAWS, tmp_path: Path, stack_name: str
) -> None:
    (tmp_path / "machine.asl.json").write_text(
        json.dumps(
            {
                "StartAt": "Greet",
                "States": {
                    "Greet": {
                        "Type": "Pass",
                        "Result": {"greeting": "${Greeting}", "table": "${TableName}"},
                        "End": True,
                    }
                },
            }
        )
    )
    (tmp_path / "template.yaml").write_text(
        textwrap.dedent(
            """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Logs:
                Type: AWS::Logs::LogGroup
              Table:
                Type: AWS::Serverless::SimpleTable
              Machine:
                Type: AWS::Serverless::StateMachine
                Properties:
                  Type: EXPRESS
                  DefinitionUri: machine.asl.json
                  DefinitionSubstitutions:
                    Greeting: hello
                    TableName: !Ref Table
                  Logging:
                    Level: ALL
                    IncludeExecutionData: true
                    Destinations:
                      - CloudWatchLogsLogGroup:
                          LogGroupArn: !GetAtt Logs.Arn
                  Policies:
                    - DynamoDBWritePolicy:
                        TableName: !Ref Table
            Outputs:
              Arn:
                Value: !Ref Machine
              Name:
                Value: !GetAtt Machine.Name
              Table:
                Value: !Ref Table
            """
        )
    )
    result = deploy(
        tmp_path / "template.yaml",
        stack_name,
        aws.client("cloudformation"),
        aws.client("s3"),
        run_lint=False,
    )
    assert result.status == "CREATE_COMPLETE", result.events
    sfn = aws.client("stepfunctions", config=NO_RETRY)
    described = sfn.describe_state_machine(stateMachineArn=result.outputs["Arn"])
    assert described["type"] == "EXPRESS"
    assert described["name"] == result.outputs["Name"]
    assert described["loggingConfiguration"]["level"] == "ALL"
    assert described["loggingConfiguration"]["includeExecutionData"] is True
    assert "${" not in described["definition"]
    run = sfn.start_sync_execution(stateMachineArn=result.outputs["Arn"], input="{}")
    assert run["status"] == "SUCCEEDED", run
    assert json.loads(run["output"]) == {"greeting": "hello", "table": result.outputs["Table"]}


def test_missing_definition_location_fails_the_stack_naming_it(
    aws: LocalAWS, stack_name: str
) -> None:
    cfn = aws.client("cloudformation", config=NO_RETRY)
    template = {
        "Resources": {
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": "arn:aws:iam::123456789012:role/sfn",
                    "DefinitionS3Location": {"Bucket": "nowhere-bucket", "Key": "m.json"},
                },
            }
        }
    }
    cfn.create_stack(StackName=stack_name, TemplateBody=json.dumps(template))
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    reasons = [e.get("ResourceStatusReason", "") for e in events if "FAILED" in e["ResourceStatus"]]
    assert any("s3://nowhere-bucket/m.json does not exist" in r for r in reasons), reasons
