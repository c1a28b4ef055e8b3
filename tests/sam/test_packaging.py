"""``lablib deploy`` packages what ``sam build`` + ``sam package`` do: dependencies installed
into the artefact, a function without CodeUri (the template's folder), layers, plain
CloudFormation ``Code`` paths and ``AWS::Include`` files; errors name the property and file."""

from __future__ import annotations

import base64
import hashlib
import json
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest

from lablib.aws.server import LocalAWS
from lablib.sam.deploy import DeployError, deploy

from .conftest import NO_RETRY


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


def _wheel(folder: Path) -> str:
    """A minimal local wheel (greetlib 1.0), so pip installs it without any index."""
    name = "greetlib-1.0-py3-none-any.whl"
    files = {
        "greetlib/__init__.py": "def greet(who):\n    return f'hello {who} from greetlib'\n",
        "greetlib-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: greetlib\nVersion: 1.0\n",
        "greetlib-1.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append("greetlib-1.0.dist-info/RECORD,,")
    files["greetlib-1.0.dist-info/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(folder / name, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return name


def _deploy(aws: LocalAWS, template: Path, stack: str, **kw: Any) -> Any:
    result = deploy(
        template, stack, aws.client("cloudformation"), aws.client("s3"), run_lint=False, **kw
    )
    failed = [e for e in result.events if e["ResourceStatus"].endswith("FAILED")]
    assert result.status == "CREATE_COMPLETE", (result.reason, failed)
    return result


def _invoke(aws: LocalAWS, name: str, payload: Any = None) -> Any:
    reply = aws.client("lambda", config=NO_RETRY).invoke(
        FunctionName=name, Payload=json.dumps(payload or {}).encode()
    )
    body = reply["Payload"].read().decode()
    assert reply.get("FunctionError") is None, body
    return json.loads(body)


def test_requirements_installed_and_missing_codeuri_is_the_template_folder(
    aws: LocalAWS, tmp_path: Path, stack_name: str
) -> None:
    wheel = _wheel(tmp_path)
    _write(
        tmp_path,
        {
            "requirements.txt": f"./{wheel}\n",
            "app.py": """
                import greetlib
                def handler(event, context):
                    return greetlib.greet(event["who"])
            """,
            "template.yaml": """
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: app.handler
                      Runtime: python3.12
                Outputs:
                  Name:
                    Value: !Ref Fn
            """,
        },
    )
    lines: list[str] = []
    result = _deploy(aws, tmp_path / "template.yaml", stack_name, log=lines.append)
    assert _invoke(aws, result.outputs["Name"], {"who": "ana"}) == "hello ana from greetlib"
    assert any("requirements.txt" in line for line in lines)
    # Built once: the dependency folder is cached beside the template, as sam build does.
    assert list((tmp_path / ".aws-sam" / "lablib-deps").glob("*/.done"))


def test_node_package_json_dependencies_are_installed(
    aws: LocalAWS, tmp_path: Path, stack_name: str
) -> None:
    _write(
        tmp_path,
        {
            "src/package.json": '{"name": "fn", "version": "1.0.0", '
            '"dependencies": {"shout": "file:./vendor/shout"}}',
            "src/vendor/shout/package.json": '{"name": "shout", "version": "1.0.0", '
            '"main": "index.js"}',
            "src/vendor/shout/index.js": "exports.shout = (s) => s.toUpperCase() + '!';\n",
            "src/app.js": """
                const { shout } = require('shout');
                exports.handler = async (event) => shout(event.word);
            """,
            "template.yaml": """
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: src/
                      Handler: app.handler
                      Runtime: nodejs20.x
                Outputs:
                  Name:
                    Value: !Ref Fn
            """,
        },
    )
    result = _deploy(aws, tmp_path / "template.yaml", stack_name)
    assert _invoke(aws, result.outputs["Name"], {"word": "hi"}) == "HI!"


def test_layer_content_and_plain_lambda_code_paths_are_uploaded(
    aws: LocalAWS, tmp_path: Path, stack_name: str
) -> None:
    _write(
        tmp_path,
        {
            "layer/python/shared_words.py": "WORD = 'from the layer'\n",
            "src/app.py": """
                import shared_words
                def handler(event, context):
                    return shared_words.WORD
            """,
            "plain/index.py": "def handler(event, context):\n    return 'plain code'\n",
            "template.yaml": """
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Shared:
                    Type: AWS::Serverless::LayerVersion
                    Properties:
                      ContentUri: layer/
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: src/
                      Handler: app.handler
                      Runtime: python3.12
                      Layers: [!Ref Shared]
                  Role:
                    Type: AWS::IAM::Role
                    Properties:
                      AssumeRolePolicyDocument:
                        Statement:
                          - Effect: Allow
                            Principal: {Service: lambda.amazonaws.com}
                            Action: sts:AssumeRole
                  Plain:
                    Type: AWS::Lambda::Function
                    Properties:
                      Code: plain/
                      Handler: index.handler
                      Runtime: python3.12
                      Role: !GetAtt Role.Arn
                Outputs:
                  Name:
                    Value: !Ref Fn
                  Plain:
                    Value: !Ref Plain
            """,
        },
    )
    result = _deploy(aws, tmp_path / "template.yaml", stack_name)
    assert _invoke(aws, result.outputs["Name"]) == "from the layer"
    assert _invoke(aws, result.outputs["Plain"]) == "plain code"


def test_aws_include_snippet_is_uploaded_and_expanded(
    aws: LocalAWS, tmp_path: Path, stack_name: str
) -> None:
    _write(
        tmp_path,
        {
            "api.yaml": """
                swagger: '2.0'
                info: {title: included, version: '1'}
                paths:
                  /ping:
                    get:
                      x-amazon-apigateway-integration:
                        type: mock
                        requestTemplates:
                          application/json: '{"statusCode": 200}'
                        responses:
                          default:
                            statusCode: '200'
                            responseTemplates:
                              application/json: '{"pong": true}'
                      responses:
                        '200': {description: ok}
            """,
            "template.yaml": """
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Api:
                    Type: AWS::Serverless::Api
                    Properties:
                      StageName: dev
                      DefinitionBody:
                        Fn::Transform:
                          Name: AWS::Include
                          Parameters:
                            Location: ./api.yaml
                Outputs:
                  Id:
                    Value: !Ref Api
            """,
        },
    )
    result = _deploy(aws, tmp_path / "template.yaml", stack_name)
    import urllib.request

    url = f"{aws.endpoint}/restapis/{result.outputs['Id']}/dev/_user_request_/ping"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - 127.0.0.1
        assert json.loads(response.read()) == {"pong": True}


def test_include_not_uploaded_names_the_location(aws: LocalAWS, stack_name: str) -> None:
    """Straight to CreateStack with a local path: the stack fails naming AWS::Include, not
    "The REST API doesn't contain any methods"."""
    cfn = aws.client("cloudformation", config=NO_RETRY)
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Api": {
                "Type": "AWS::Serverless::Api",
                "Properties": {
                    "StageName": "dev",
                    "DefinitionBody": {
                        "Fn::Transform": {
                            "Name": "AWS::Include",
                            "Parameters": {"Location": "./api.yaml"},
                        }
                    },
                },
            }
        },
    }
    cfn.create_stack(StackName=stack_name, TemplateBody=json.dumps(template))
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "AWS::Include" in stack["StackStatusReason"]
    assert "not a valid S3 uri" in stack["StackStatusReason"]


@pytest.mark.parametrize(
    ("resource", "needle"),
    [
        (
            "Fn:\n  Type: AWS::Serverless::Function\n  Properties:\n    CodeUri: nowhere/\n"
            "    Handler: app.handler\n    Runtime: python3.12\n",
            "Resources.Fn.Properties.CodeUri points at 'nowhere/'",
        ),
        (
            "Machine:\n  Type: AWS::Serverless::StateMachine\n  Properties:\n"
            "    DefinitionUri: missing.asl.json\n",
            "Resources.Machine.Properties.DefinitionUri points at 'missing.asl.json'",
        ),
        (
            "Layer:\n  Type: AWS::Serverless::LayerVersion\n  Properties:\n"
            "    ContentUri: nolayer/\n",
            "Resources.Layer.Properties.ContentUri points at 'nolayer/'",
        ),
    ],
)
def test_missing_artefact_errors_name_property_and_file(
    aws: LocalAWS, tmp_path: Path, stack_name: str, resource: str, needle: str
) -> None:
    body = "Transform: AWS::Serverless-2016-10-31\nResources:\n" + textwrap.indent(resource, "  ")
    (tmp_path / "template.yaml").write_text(body)
    with pytest.raises(DeployError) as caught:
        deploy(
            tmp_path / "template.yaml",
            stack_name,
            aws.client("cloudformation"),
            aws.client("s3"),
            run_lint=False,
        )
    assert needle in str(caught.value)
    assert str(tmp_path / "template.yaml") in str(caught.value)


def test_failed_requirements_install_names_the_file(
    aws: LocalAWS, tmp_path: Path, stack_name: str
) -> None:
    _write(
        tmp_path,
        {
            "src/requirements.txt": "./no-such-package-1.0-py3-none-any.whl\n",
            "src/app.py": "def handler(event, context):\n    return 1\n",
            "template.yaml": """
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: src/
                      Handler: app.handler
                      Runtime: python3.12
            """,
        },
    )
    with pytest.raises(DeployError) as caught:
        deploy(
            tmp_path / "template.yaml",
            stack_name,
            aws.client("cloudformation"),
            aws.client("s3"),
            run_lint=False,
        )
    message = str(caught.value)
    assert "Resources.Fn.Properties.CodeUri" in message
    assert str(tmp_path / "src" / "requirements.txt") in message
