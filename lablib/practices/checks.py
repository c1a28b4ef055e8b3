"""Exercise checks for lab 06 (serverless-practices), registered with ``lablib.exercises``.

Importing this module registers them (the lab's setup cell does), so
``check("serverless-practices/...")`` finds them. Each check looks at the learner's resources
through boto3 and then proves the behaviour against the local AWS: the function reads with
IAM learning mode on, the prod configuration is what a fresh environment loads, the burst
never runs more copies than the database has connections.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from lablib.exercises.core import Feedback, exercise
from lablib.notebook import _aws
from lablib.notebook.concurrency import Burst, burst
from lablib.notebook.deploy import deploy

LAB = "serverless-practices"
DB_CONNECTIONS = 4


def peak_overlap(result: Burst) -> int:
    """The most calls that ran (200) at the same moment, from their start and end times."""
    edges = []
    for call in result.calls:
        if call.status == 200:
            edges += [(call.start_s, 1), (call.end_s, -1)]
    running = peak = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
        running += step
        peak = max(peak, running)
    return peak


def _statements(policy: Any) -> list[dict[str, Any]]:
    found = policy.get("Statement", []) if isinstance(policy, dict) else []
    return [s for s in (found if isinstance(found, list) else [found]) if isinstance(s, dict)]


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or []]


@exercise(f"{LAB}/least-privilege", title="Grant the invoice reader exactly what it needs")
def _(
    fb: Feedback, policy: Any = None, role: str = "", function: str = "", bucket: str = ""
) -> None:
    from lablib.iam_mode import set_learning_mode

    fb.filled(policy, "READ_POLICY")
    statements = _statements(policy)
    fb.expect(
        bool(statements),
        "READ_POLICY is a policy document with statements",
        expected='{"Version": "2012-10-17", "Statement": [{...}]}',
        got=repr(policy)[:200],
    )
    allows = [s for s in statements if s.get("Effect") == "Allow"]
    broad = [
        a for s in allows for a in _as_list(s.get("Action")) if a in ("*", "s3:*", "s3:Get*")
    ] + [r for s in allows for r in _as_list(s.get("Resource")) if r in ("*", "arn:aws:s3:::*")]
    fb.expect(
        not broad and not any("NotAction" in s or "NotResource" in s for s in allows),
        "no wildcard action or resource (least privilege)",
        expected="one action (s3:GetObject) on the bucket's objects",
        got=", ".join(broad) or "a NotAction/NotResource statement",
        hint=f'"Action": "s3:GetObject", "Resource": "arn:aws:s3:::{bucket}/*"',
    )
    iam = _aws.client("iam")
    attached = [
        iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    ]
    documents = [json.loads(d) if isinstance(d, str) else d for d in attached]
    fb.expect(
        any(_statements(d) == statements for d in documents),
        f"READ_POLICY is attached to role {role}",
        expected=f"an inline policy of {role} equal to READ_POLICY",
        got=f"{len(documents)} inline policies, none equal to READ_POLICY",
        hint=f'iam.put_role_policy(RoleName="{role}", PolicyName="read-invoices", '
        "PolicyDocument=json.dumps(READ_POLICY))",
    )
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    set_learning_mode(endpoint, True)
    try:
        reply = _aws.client("lambda").invoke(
            FunctionName=function, Payload=json.dumps({"key": "2024/inv-001.txt"}).encode()
        )
        body = json.loads(reply["Payload"].read())
    finally:
        set_learning_mode(endpoint, False)
    fb.expect(
        reply.get("FunctionError") is None,
        f"{function} reads the invoice with IAM learning mode on",
        expected="the invoice text",
        got=str(body.get("errorMessage", body))[:300] if isinstance(body, dict) else repr(body),
        hint="the action must be s3:GetObject and the resource the object ARN "
        f"arn:aws:s3:::{bucket}/... (a bucket ARN alone does not cover its objects)",
    )


@exercise(f"{LAB}/stage-config", title="Give the prod stage its own configuration")
def _(fb: Feedback, key_id: str = "") -> None:
    ssm = _aws.client("ssm")
    found = {
        p["Name"]: p
        for p in ssm.get_parameters_by_path(Path="/orders/prod/", WithDecryption=False)[
            "Parameters"
        ]
    }
    fb.expect(
        found.get("/orders/prod/table", {}).get("Type") == "String",
        "/orders/prod/table exists as a String",
        expected="String parameter /orders/prod/table = orders-prod",
        got=", ".join(f"{n} ({p['Type']})" for n, p in found.items())
        or "no /orders/prod/ parameters",
        hint='ssm.put_parameter(Name="/orders/prod/table", Value="orders-prod", Type="String")',
    )
    secret = found.get("/orders/prod/db-password", {})
    fb.expect(
        secret.get("Type") == "SecureString",
        "/orders/prod/db-password is a SecureString",
        expected="SecureString",
        got=secret.get("Type", "missing"),
        hint="a password must never be a plain String: Type='SecureString', KeyId=KEY_ID",
    )
    described = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Values": ["/orders/prod/db-password"]}]
    )["Parameters"]
    used = described[0].get("KeyId", "") if described else ""
    fb.expect(
        bool(key_id) and key_id in used,
        "the secret is encrypted with the lab's KMS key",
        expected=f"KeyId {key_id}",
        got=used or "the default key (alias/aws/ssm)",
        hint="pass KeyId=KEY_ID to put_parameter (Overwrite=True to replace it)",
    )
    password = ssm.get_parameter(Name="/orders/prod/db-password", WithDecryption=True)
    # A fresh execution environment (a new environment variable), so init loads the config now.
    deploy(
        LAB,
        "handlers/config_reader",
        name="sp-config-check",
        environment={"STAGE": "prod", "CHECK_RUN": uuid.uuid4().hex[:8]},
    )
    reply = _aws.client("lambda").invoke(
        FunctionName="sp-config-check",
        Payload=json.dumps({"expect": password["Parameter"]["Value"]}).encode(),
    )
    body = json.loads(reply["Payload"].read())
    fb.expect(
        reply.get("FunctionError") is None
        and body.get("table") == "orders-prod"
        and body.get("password_ok") is True,
        "a prod function loads table orders-prod and the decrypted password",
        expected='{"stage": "prod", "table": "orders-prod", "password_ok": true, ...}',
        got=json.dumps(body)[:300],
        hint="the table value must be exactly orders-prod",
    )


@exercise(f"{LAB}/protect-db", title="Never open more connections than the database has")
def _(fb: Feedback, function: str = "") -> None:
    lam = _aws.client("lambda")
    reserved = lam.get_function_concurrency(FunctionName=function).get(
        "ReservedConcurrentExecutions"
    )
    fb.expect(
        reserved == DB_CONNECTIONS,
        f"{function} has reserved concurrency {DB_CONNECTIONS} (the database's connection limit)",
        expected=DB_CONNECTIONS,
        got="none (it may scale to the account's 1,000)" if reserved is None else reserved,
        hint=f'lam.put_function_concurrency(FunctionName="{function}", '
        f"ReservedConcurrentExecutions={DB_CONNECTIONS})",
    )
    result = burst(function, 10, {"seconds": 0.6})
    peak = peak_overlap(result)
    fb.expect(
        0 < peak <= DB_CONNECTIONS,
        f"a burst of 10 calls never runs more than {DB_CONNECTIONS} at once",
        expected=f"1..{DB_CONNECTIONS} concurrent writers",
        got=f"{peak} ({result.summary()})",
    )
    fb.note(
        f"{result.counts.get(429, 0)} calls were throttled (429) "
        "instead of overloading the database"
    )
