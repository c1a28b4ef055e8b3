"""`lablib deploy` speaks plainly: the root cause first, the local URL of an API output, one
line for a stale endpoint."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from lablib.sam.commands import local_url
from lablib.sam.deploy import DeployError, deploy

ROOT = Path(__file__).resolve().parents[2]

BAD_EVENT = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      InlineCode: "def handler(e, c): return 1"
      Events:
        Jobs:
          Type: SQS
          Properties:
            BatchSize: 5
"""


def test_root_cause_comes_first(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(BAD_EVENT)
    with pytest.raises(DeployError) as caught:
        deploy(template, "bad", cloudformation=None, s3=None)
    lines = str(caught.value).splitlines()
    assert lines[0].endswith("cfn-lint found errors; fix them first:")
    assert lines[1].startswith("  root cause: Transform AWS::Serverless-2016-10-31 failed")
    assert "Missing required property 'Queue'" in lines[1]
    assert len(lines) > 3  # cfn-lint's own findings follow


def test_execute_api_outputs_get_their_local_url() -> None:
    endpoint = "http://127.0.0.1:4566"
    url = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/Prod/hello/?x=1"
    assert local_url(url, endpoint) == (
        "http://127.0.0.1:4566/restapis/a1b2c3d4e5/Prod/_user_request_/hello/?x=1"
    )
    assert local_url("https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/dev", endpoint) == (
        "http://127.0.0.1:4566/restapis/a1b2c3d4e5/dev/_user_request_/"
    )
    assert local_url("arn:aws:sqs:us-east-1:123456789012:q", endpoint) is None


def test_a_stale_endpoint_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once the socket is closed
    template = tmp_path / "template.yaml"
    template.write_text(
        BAD_EVENT.replace("Type: SQS", "Type: Schedule").replace(
            "BatchSize: 5", "Schedule: rate(1 minute)"
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "lablib", "deploy", str(template), "--no-lint",
         "--endpoint", f"http://127.0.0.1:{port}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"nothing answers at http://127.0.0.1:{port}" in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2, done.stderr
