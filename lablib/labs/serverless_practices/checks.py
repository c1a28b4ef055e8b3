"""Exercise checks for lab 06 (serverless-practices), registered with ``lablib.exercises``.

Importing this module registers them (the lab's setup cell does), so
``check("serverless-practices/...")`` finds them. Each check looks at the learner's resources
through boto3 and then proves the behaviour against the local AWS: the function reads with
IAM learning mode on, the prod configuration is what a fresh environment loads, the burst
never runs more copies than the database has connections.
"""

from __future__ import annotations

import json
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


def _function_exists(fb: Feedback, lam: Any, function: str) -> None:
    with fb.found(
        lam.exceptions.ResourceNotFoundException,
        f"function {function} exists",
        expected=f"function {function}",
        hint="run the cell above the exercise (it deploys the function) first",
    ):
        lam.get_function(FunctionName=function)


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
        hint="READ_POLICY is a dict with a Statement list (json.dumps it only when you attach it)",
    )
    allows = [s for s in statements if s.get("Effect") == "Allow"]
    fb.expect(
        not any("NotAction" in s or "NotResource" in s for s in allows),
        "no NotAction or NotResource (they allow everything not listed)",
        expected="Action and Resource naming what the function uses",
        got="a NotAction/NotResource statement",
        hint=f'"Action": "s3:GetObject", "Resource": "arn:aws:s3:::{bucket}/*"',
    )
    actions = [a for s in allows for a in _as_list(s.get("Action"))]
    broad_actions = [a for a in actions if "*" in a or "?" in a]
    fb.expect(
        not broad_actions,
        "no wildcard action (least privilege)",
        expected="the one action the function calls: s3:GetObject",
        got=", ".join(broad_actions),
        hint="read_invoice.py only calls GetObject: name that action, not a pattern",
    )
    extra = [a for a in actions if a.lower() != "s3:getobject"]
    fb.expect(
        not extra,
        "only s3:GetObject is allowed",
        expected="s3:GetObject",
        got=", ".join(extra),
        hint="each extra action is something a bug or a stolen token could do: drop it",
    )
    resources = [r for s in allows for r in _as_list(s.get("Resource"))]
    objects = f"arn:aws:s3:::{bucket}/"
    for resource in resources:
        bucket_part = resource.removeprefix("arn:aws:s3:::").split("/")[0]
        fb.expect(
            "*" not in bucket_part and "?" not in bucket_part,
            f"the resource names bucket {bucket}, not a pattern of buckets",
            expected=f"{objects}*",
            got=resource,
            hint=f"a wildcard in the bucket name lets the function read other buckets: "
            f"name {bucket}",
        )
        fb.expect(
            resource.startswith("arn:aws:s3:::") and bucket_part == bucket,
            f"the resource is in bucket {bucket}",
            expected=f"{objects}*",
            got=resource,
            hint=f"the invoices are in {bucket}: a policy for another bucket does not help, "
            "and the resource must be an S3 ARN (arn:aws:s3:::bucket/key)",
        )
        fb.expect(
            resource.startswith(objects),
            f"the resource covers the objects of {bucket}",
            expected=f"{objects}*",
            got=resource,
            hint="GetObject acts on objects: their ARN is the bucket ARN plus /key, so the "
            f"bucket ARN arn:aws:s3:::{bucket} alone does not cover them",
        )
    fb.expect(
        bool(resources),
        "the statement names a resource",
        expected=f"{objects}*",
        got="no Resource",
        hint='an identity policy statement needs "Resource"',
    )
    iam = _aws.client("iam")
    with fb.found(
        iam.exceptions.NoSuchEntityException,
        f"role {role} exists",
        expected=f"role {role}",
        hint="run the cell above the exercise (it creates the reader and its role) first",
    ):
        names = iam.list_role_policies(RoleName=role)["PolicyNames"]
    attached = [
        iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"] for name in names
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
    wider = [
        r
        for d in documents
        if _statements(d) != statements
        for s in _statements(d)
        if s.get("Effect") == "Allow"
        for r in _as_list(s.get("Resource"))
        if any(a.lower().startswith("s3:") or a == "*" for a in _as_list(s.get("Action")))
    ]
    fb.expect(
        not wider,
        f"no other inline policy of {role} grants S3",
        expected="READ_POLICY is the role's only S3 permission",
        got=", ".join(wider),
        hint=f"an earlier attempt is still attached: iam.delete_role_policy(RoleName={role!r}, "
        "PolicyName=...) for each policy other than READ_POLICY",
    )
    lam = _aws.client("lambda")
    _function_exists(fb, lam, function)
    endpoint = _aws.endpoint()  # None on real AWS, which always enforces IAM
    if endpoint is not None:
        set_learning_mode(endpoint, True)
    try:
        reply = lam.invoke(
            FunctionName=function, Payload=json.dumps({"key": "2024/inv-001.txt"}).encode()
        )
        body = json.loads(reply["Payload"].read())
    finally:
        if endpoint is not None:
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
        hint=_stage_hint(ssm, found),
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


def _stage_hint(ssm: Any, found: dict[str, Any]) -> str:
    """Why /orders/prod/table is missing: made as a SecureString, put under another path than
    the one the function reads (/orders/<stage>/), or not made at all."""
    fix = 'ssm.put_parameter(Name="/orders/prod/table", Value="orders-prod", Type="String")'
    if "/orders/prod/table" in found:
        return f"the table name is not a secret: make it a plain String: {fix}"
    elsewhere = [
        p["Name"]
        for page in ssm.get_paginator("describe_parameters").paginate()
        for p in page["Parameters"]
        if "prod" in p["Name"] and not p["Name"].startswith("/orders/prod/")
    ]
    if elsewhere:
        return (
            f"found {', '.join(sorted(elsewhere))}, but the function reads "
            f"/orders/<stage>/ (STAGE=prod): {fix}"
        )
    return fix


@exercise(f"{LAB}/protect-db", title="Never open more connections than the database has")
def _(fb: Feedback, function: str = "") -> None:
    lam = _aws.client("lambda")
    _function_exists(fb, lam, function)
    reserved = lam.get_function_concurrency(FunctionName=function).get(
        "ReservedConcurrentExecutions"
    )
    fb.expect(
        reserved == DB_CONNECTIONS,
        f"{function} has reserved concurrency {DB_CONNECTIONS} (the database's connection limit)",
        expected=DB_CONNECTIONS,
        got="none (it may scale to the account's 1,000)" if reserved is None else reserved,
        hint="0 throttles every call (the function is switched off, not protected): "
        f"reserve {DB_CONNECTIONS}, one copy per connection"
        if reserved == 0
        else f"more than {DB_CONNECTIONS} copies open more connections than the database has"
        if isinstance(reserved, int) and reserved > DB_CONNECTIONS
        else f'lam.put_function_concurrency(FunctionName="{function}", '
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


@exercise("serverless-practices/timeout-chain", title="Design: a chain of timeouts")
def _timeout_chain(fb: Feedback, timeouts: Any = ...) -> None:
    """A REST API (29 s integration timeout) calls a function that calls a payment service
    which usually answers in 2 s: each layer must give up before the one above it."""
    fb.filled(timeouts, "TIMEOUTS", dict)
    downstream = fb.filled(timeouts.get("downstream_s"), "downstream_s", (int, float))
    function = fb.filled(timeouts.get("function_s"), "function_s", (int, float))
    fb.expect(
        downstream > 2,
        "downstream_s leaves the payment service its usual 2 s",
        expected="more than 2",
        got=downstream,
        hint="a timeout below the service's normal answer time fails calls that would succeed",
    )
    fb.expect(
        function < 29,
        "function_s is below API Gateway's 29 s",
        expected="less than 29",
        got=function,
        hint="past 29 s the client already has a 504 while the function keeps running and "
        "billing; let the function fail first with an answer of its own",
    )
    fb.expect(
        downstream < function,
        "downstream_s is below function_s",
        expected=f"less than function_s ({function})",
        got=downstream,
        hint="if the function times out first, its own error handling for a slow payment "
        "service never runs: the call is just cut off",
    )
