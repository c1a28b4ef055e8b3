"""Tagging and `lablib cleanup`, against the local AWS used as if it were remote."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from lablib.aws import cleanup
from lablib.aws.server import LocalAWS
from lablib.aws.tagging import TAG_KEY
from lablib.aws.target import RealAWS
from lablib.cli import main
from tests.support import zip_of

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _create_lab(real: RealAWS, tag: str) -> dict[str, str]:
    """One of each resource kind, through the tagging clients; returns their ids."""
    iam = real.client("iam")
    role = iam.create_role(RoleName=f"role-{tag}", AssumeRolePolicyDocument=TRUST)["Role"]
    allow = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
        }
    )
    policy = iam.create_policy(PolicyName=f"logs-{tag}", PolicyDocument=allow)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=policy)
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="inline", PolicyDocument=allow)
    real.client("lambda").create_function(
        FunctionName=f"fn-{tag}",
        Runtime="python3.12",
        Role=role["Arn"],
        Handler="app.handler",
        Code={"ZipFile": zip_of({"app.py": "def handler(e, c):\n    return 1\n"})},
    )
    queue = real.client("sqs").create_queue(QueueName=f"q-{tag}")["QueueUrl"]
    topic = real.client("sns").create_topic(Name=f"t-{tag}")["TopicArn"]
    real.client("dynamodb").create_table(
        TableName=f"tbl-{tag}",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3 = real.client("s3")
    s3.create_bucket(Bucket=f"bkt-{tag}")
    s3.put_object(Bucket=f"bkt-{tag}", Key="a.txt", Body=b"x")
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    machine = real.client("stepfunctions").create_state_machine(
        name=f"sm-{tag}", definition=definition, roleArn=role["Arn"]
    )["stateMachineArn"]
    api = real.client("apigateway").create_rest_api(name=f"api-{tag}")["id"]
    return {
        "iam": f"role-{tag}",
        "lambda": f"fn-{tag}",
        "sqs": queue,
        "sns": topic,
        "dynamodb": f"tbl-{tag}",
        "s3": f"bkt-{tag}",
        "stepfunctions": machine,
        "apigateway": api,
    }


def _remote(aws: LocalAWS) -> Any:
    """Clients as real AWS would be used: allow_remote=True, endpoint passed explicitly."""
    return lambda service: aws.client(service, allow_remote=True, endpoint_url=aws.endpoint)


def test_cleanup_deletes_exactly_what_the_lab_tagged(
    aws: LocalAWS, capsys: pytest.CaptureFixture[str]
) -> None:
    run = uuid.uuid4().hex[:8]
    lab_a = RealAWS("123456789012", aws.region, f"a-{run}", endpoint=aws.endpoint)
    lab_b = RealAWS("123456789012", aws.region, f"b-{run}", endpoint=aws.endpoint)
    mine = _create_lab(lab_a, f"a-{run}")
    other_queue = lab_b.client("sqs").create_queue(QueueName=f"q-b-{run}")["QueueUrl"]
    untagged = aws.client("sqs").create_queue(QueueName=f"q-plain-{run}")["QueueUrl"]

    client_for = _remote(aws)
    found = cleanup.find(client_for, f"a-{run}")
    assert found.failed == []
    assert {(t.service, t.name) for t in found.found} == set(mine.items())
    tags = client_for("sqs").list_queue_tags(QueueUrl=mine["sqs"])["Tags"]
    assert tags == {TAG_KEY: f"a-{run}"}

    args = ["cleanup", "--endpoint", aws.endpoint, "--lab", f"a-{run}"]
    assert main(args) == 0  # a dry run: lists, deletes nothing
    out = capsys.readouterr().out
    assert f"8 resource(s) tagged for lab a-{run}" in out and "--yes" in out
    assert len(cleanup.find(client_for, f"a-{run}").found) == 8

    assert main([*args, "--yes"]) == 0
    assert "deleted 8 of 8" in capsys.readouterr().out
    assert cleanup.find(client_for, f"a-{run}").found == []
    queues = client_for("sqs").list_queues().get("QueueUrls", [])
    assert other_queue in queues and untagged in queues and mine["sqs"] not in queues
    buckets = [b["Name"] for b in client_for("s3").list_buckets()["Buckets"]]
    assert mine["s3"] not in buckets
    roles = [r["RoleName"] for r in client_for("iam").list_roles()["Roles"]]
    assert mine["iam"] not in roles

    # every lab: the other lab's queue is found too
    assert any(t.name == other_queue for t in cleanup.find(client_for).found)


def test_what_could_not_be_deleted_is_listed(aws: LocalAWS) -> None:
    client_for = _remote(aws)
    ghost = cleanup.Tagged("sqs", f"{aws.endpoint}/123456789012/no-such-queue", "x")
    outcome = cleanup.delete(client_for, cleanup.Outcome([ghost], [], []))
    assert outcome.deleted == [] and len(outcome.failed) == 1
    assert outcome.failed[0][0] == ghost and "NonExistentQueue" in outcome.failed[0][1]

    def broken(service: str) -> Any:
        if service == "sns":
            raise RuntimeError("sns is down")
        return client_for(service)

    listed = cleanup.find(broken, "nothing-tagged-like-this")
    assert listed.failed == [("sns", "could not list sns: sns is down")]


def test_cleanup_of_real_aws_needs_the_confirmation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lablib.aws import target

    monkeypatch.setattr(target, "sts_account", lambda profile, region: "111122223333")
    monkeypatch.delenv(target.CONFIRM_ENV, raising=False)
    assert main(["cleanup", "--lab", "x", "--region", "us-west-2"]) == 2
    assert "LABLIB_CONFIRM_AWS=111122223333/us-west-2" in capsys.readouterr().err
    remote = [
        "cleanup",
        "--endpoint",
        "https://sqs.us-west-2.amazonaws.com",
        "--region",
        "us-west-2",
    ]
    assert main(remote) == 2  # a remote endpoint is real AWS too: refused before any call
    assert "LABLIB_CONFIRM_AWS=111122223333/us-west-2" in capsys.readouterr().err
