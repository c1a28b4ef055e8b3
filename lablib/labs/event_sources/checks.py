"""Exercise checks of lab 02 (event sources). Importing this module registers them with
``lablib.exercises`` (ids ``event-sources/...``). Each check drives the learner's work
through boto3 against the local AWS and says what it expected, what happened and a hint."""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lablib.exercises.core import Feedback, exercise
from lablib.labs.event_sources import views as lab
from lablib.notebook._aws import client
from lablib.notebook.deploy import lab_role


def _zip(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", code)
    return buffer.getvalue()


def _sample_event(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """An SQS event as a mapping sends it, with message ids m-0, m-1, ..."""
    return {
        "Records": [
            {
                "messageId": f"m-{i}",
                "receiptHandle": f"rh-{i}",
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:orders",
            }
            for i, body in enumerate(bodies)
        ]
    }


def _diagnose_reply(fb: Feedback, error: str | None, reply: Any) -> None:
    """Tell apart the ways a partial-batch handler goes wrong, from one direct invoke with
    6 messages (m-3 poisoned): each slip has its own consequence and its own fix."""
    kind = reply.get("errorType", "") if isinstance(reply, dict) else ""
    fb.expect(
        not kind.startswith("Runtime."),
        "Lambda finds the handler",
        expected="a module-level function def handler(event, context) in the string",
        got=f"{kind}: {reply.get('errorMessage', '') if isinstance(reply, dict) else ''}"[:160],
        hint="the check deploys your string as app.py and calls app.handler: define "
        "def handler(event, context) at the top level of the string",
    )
    fb.expect(
        error is None,
        "the handler returns instead of raising",
        expected="a normal reply with batchItemFailures",
        got=f"{error}: {reply.get('errorType') if isinstance(reply, dict) else reply}",
        hint="raising fails the whole batch: the 5 healthy messages come back with the bad one. "
        "Catch the problem per record and report that record instead",
    )
    keys = sorted(reply) if isinstance(reply, dict) else []
    near = [k for k in keys if k != "batchItemFailures" and "fail" in k.lower()]
    fb.expect(
        isinstance(reply, dict) and "batchItemFailures" in reply,
        "the reply has the key batchItemFailures",
        expected='{"batchItemFailures": [...]}',
        got=repr(reply)[:120],
        hint=f"Lambda reads exactly 'batchItemFailures' (you wrote {near[0]!r}): any other key "
        "means 'nothing failed', so message 3 is deleted and lost"
        if near
        else "without batchItemFailures Lambda treats the batch as a success: message 3 is "
        "deleted and lost. Return {'batchItemFailures': [...]}",
    )
    items = reply["batchItemFailures"]
    fb.expect(
        isinstance(items, list) and all(isinstance(i, dict) for i in items),
        "batchItemFailures is a list of dicts",
        expected='[{"itemIdentifier": "<messageId>"}]',
        got=repr(items)[:120],
        hint="each entry is a dict {'itemIdentifier': record['messageId']}",
    )
    named = [i.get("itemIdentifier") for i in items]
    fb.expect(
        bool(named),
        "the poisoned message is reported",
        expected='[{"itemIdentifier": "m-3"}] for the message whose body has "fail"',
        got="an empty list",
        hint="an empty list means 'all succeeded': message 3 would be deleted and lost. "
        "Test each record's body for the 'fail' key",
    )
    ids = {f"m-{i}" for i in range(6)}
    strange = [n for n in named if n not in ids]
    if strange:
        which = repr(strange[0])
        if str(strange[0]) == "3":
            why = "that is the id inside the body; Lambda needs the SQS messageId"
        elif str(strange[0]).startswith("rh-"):
            why = "that is the receiptHandle; Lambda needs the messageId"
        else:
            why = "it is not the messageId of any record"
        fb.fail(
            "each itemIdentifier is a record's messageId",
            expected="record['messageId'], here 'm-3'",
            got=f"{which}: {why}",
            hint="an unknown or empty itemIdentifier makes Lambda fail the WHOLE batch, as if "
            "you had raised: use record['messageId']",
        )
    fb.expect(
        sorted(named) == ["m-3"],
        "only the poisoned message is reported",
        expected=["m-3"],
        got=sorted(str(n) for n in named),
        hint="report a record only when its body has the 'fail' key: a healthy message listed "
        "as failed is received again and ends in the DLQ",
    )


@exercise("event-sources/partial-batch", title="Return only the failed messages")
def check_partial_batch(fb: Feedback, code: str = "") -> None:
    fb.filled(code if code else ..., "PARTIAL_HANDLER")
    fb.compiles(code)
    lam, sqs = client("lambda"), client("sqs")
    tag = uuid.uuid4().hex[:6]
    name = f"es-ex-partial-{tag}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lab_role(),
        Handler="app.handler",
        Code={"ZipFile": _zip(code)},
        Timeout=1,
    )
    bodies = [{"id": i, **({"fail": True} if i == 3 else {})} for i in range(6)]
    answer = lam.invoke(FunctionName=name, Payload=json.dumps(_sample_event(bodies)).encode())
    raw = answer["Payload"].read()
    try:
        reply = json.loads(raw) if raw else None
    except ValueError:
        reply = raw.decode(errors="replace")
    _diagnose_reply(fb, answer.get("FunctionError"), reply)
    fb.note("a direct invoke with 6 messages reports exactly m-3")
    dlq = lab.queue_url(f"es-ex-dlq-{tag}")
    src = lab.queue_url(
        f"es-ex-src-{tag}",
        VisibilityTimeout="1",
        RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": lab.queue_arn(dlq), "maxReceiveCount": "2"}
        ),
    )
    mapping = lam.create_event_source_mapping(
        EventSourceArn=lab.queue_arn(src),
        FunctionName=name,
        BatchSize=10,
        Enabled=False,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    sqs.send_message_batch(
        QueueUrl=src,
        Entries=[{"Id": str(i), "MessageBody": json.dumps(b)} for i, b in enumerate(bodies)],
    )
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    dead: list[dict[str, Any]] = []
    end = time.monotonic() + 45  # ends as soon as the queue is empty; generous under load
    while time.monotonic() < end:
        dead += lab.drain(dlq)
        left = sqs.get_queue_attributes(
            QueueUrl=src,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        if (
            left["ApproximateNumberOfMessages"]
            == left["ApproximateNumberOfMessagesNotVisible"]
            == "0"
        ):
            dead += lab.drain(dlq)  # the queue is empty: every message deleted or redriven
            break
        time.sleep(0.2)
    lam.delete_event_source_mapping(UUID=mapping["UUID"])
    ids = sorted(int(d["body"].get("id", -1)) for d in dead if isinstance(d["body"], dict))
    fb.expect(
        ids == [3],
        "through a real mapping, only the poisoned message (id 3) ends in the DLQ",
        expected=[3],
        got=f"DLQ holds ids {ids}",
        hint="the direct invoke looked right: does the handler depend on something only that "
        "event had (for example the message ids m-0, m-1, ...)?",
    )


@exercise("event-sources/s3-permission", title="Let only one bucket invoke the function")
def check_s3_permission(
    fb: Feedback, bucket: str = "", function: str = "", results: str = ""
) -> None:
    lam, s3 = client("lambda"), client("s3")
    with fb.found(
        (ClientError, BotoCoreError),
        f"function {function} and bucket {bucket} exist",
        expected="the function and the bucket created at the top of the exercise cell",
        hint="run the whole exercise cell (it creates both) before the check",
    ):
        lam.get_function_configuration(FunctionName=function)
        s3.head_bucket(Bucket=bucket)
    try:
        policy = json.loads(lam.get_policy(FunctionName=function)["Policy"])
    except lam.exceptions.ResourceNotFoundException:
        policy = {"Statement": []}
    statements = [
        s
        for s in policy["Statement"]
        if (s.get("Principal") or {}).get("Service") == "s3.amazonaws.com"
    ]
    fb.expect(
        bool(statements),
        "a statement lets s3.amazonaws.com invoke the function",
        expected="lambda add_permission with Principal='s3.amazonaws.com'",
        got=f"{len(policy['Statement'])} statement(s), none for S3",
        hint="lam.add_permission(FunctionName=..., StatementId=..., "
        "Action='lambda:InvokeFunction', Principal='s3.amazonaws.com', ...)",
    )
    conditions = [s.get("Condition", {}) for s in statements]
    account = client("sts").get_caller_identity()["Account"]
    fb.expect(
        any(_limited(c, bucket, account) for c in conditions),
        "the statement is limited to this bucket and account",
        expected=f"SourceArn arn:aws:s3:::{bucket} and SourceAccount {account}",
        got=json.dumps(conditions),
        hint=_permission_hint(conditions, bucket, account),
    )
    configs = s3.get_bucket_notification_configuration(Bucket=bucket).get(
        "LambdaFunctionConfigurations", []
    )
    fb.expect(
        bool(configs),
        "the bucket notifies the function",
        expected="one LambdaFunctionConfiguration",
        got=configs,
        hint="call put_bucket_notification_configuration",
    )
    lab.drain(results)
    s3.put_object(Bucket=bucket, Key="incoming/report.csv", Body=b"a,b")
    s3.put_object(Bucket=bucket, Key="incoming/notes.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="archive/old.csv", Body=b"a,b")
    seen: list[str] = []
    end, settle = time.monotonic() + 30, 0.0
    while time.monotonic() < (settle or end):  # a cold start may take seconds under load
        seen += [item["body"]["ident"] for item in lab.drain(results)]
        if "incoming/report.csv" in seen and not settle:
            settle = time.monotonic() + 1.5  # then give a wrong upload time to show up too
        time.sleep(0.2)
    keys = sorted(seen)
    fb.expect(
        keys == ["incoming/report.csv"],
        "only incoming/*.csv uploads run the function",
        expected=["incoming/report.csv"],
        got=keys,
        hint=_filter_hint(keys),
    )


def _condition_values(condition: dict[str, Any], key: str) -> list[str]:
    """The values a permission condition gives ``key`` (ArnLike, StringEquals, ...)."""
    found: list[str] = []
    for operator in condition.values():
        if isinstance(operator, dict) and key in operator:
            value = operator[key]
            found += [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return found


def _limited(condition: dict[str, Any], bucket: str, account: str) -> bool:
    return _condition_values(condition, "AWS:SourceArn") == [
        f"arn:aws:s3:::{bucket}"
    ] and _condition_values(condition, "AWS:SourceAccount") == [account]


def _permission_hint(conditions: list[dict[str, Any]], bucket: str, account: str) -> str:
    """Which limit is missing or wrong: both, the SourceArn (none, or not exactly the bucket's
    ARN) or the SourceAccount (none, or another account)."""
    arns = [v for c in conditions for v in _condition_values(c, "AWS:SourceArn")]
    accounts = [v for c in conditions for v in _condition_values(c, "AWS:SourceAccount")]
    if not arns and not accounts:
        return (
            "without conditions any bucket, of any account, may invoke the function: pass "
            f"SourceArn='arn:aws:s3:::{bucket}' and SourceAccount to add_permission"
        )
    if not arns:
        return f"SourceArn is missing: SourceArn='arn:aws:s3:::{bucket}' (only this bucket)"
    if f"arn:aws:s3:::{bucket}" not in arns:
        return (
            f"SourceArn {arns[0]} is not the bucket's ARN: S3 invokes as "
            f"arn:aws:s3:::{bucket} (no /* for objects, no other bucket)"
        )
    if not accounts:
        return (
            "SourceAccount is missing: bucket names can be reused by another account once "
            f"deleted, so pin the owner: SourceAccount='{account}'"
        )
    return f"SourceAccount {accounts[0]} is not this account: SourceAccount='{account}'"


def _filter_hint(keys: list[str]) -> str:
    """What the uploads that ran the function say about the notification's filter."""
    rules = "Filter={'Key': {'FilterRules': [{'Name': 'prefix', ...}, {'Name': 'suffix', ...}]}}"
    if not keys:
        return (
            "no upload ran the function: the notification needs Events=['s3:ObjectCreated:*'] "
            "and the function's ARN"
        )
    if "archive/old.csv" in keys and "incoming/notes.txt" in keys:
        return "no filter: every upload ran the function; " + rules
    if "archive/old.csv" in keys:
        return "the prefix rule is missing (archive/old.csv ran it): {'Name': 'prefix', ...}"
    if "incoming/notes.txt" in keys:
        return "the suffix rule is missing (incoming/notes.txt ran it): {'Name': 'suffix', ...}"
    return rules


@exercise("event-sources/unblock-shard", title="Keep a shard moving past a poisoned record")
def check_unblock_shard(
    fb: Feedback, mapping_uuid: str = "", results: str = "", destination: str = ""
) -> None:
    lam = client("lambda")
    with fb.found(
        (ClientError, BotoCoreError),
        "the mapping EX_MAPPING exists",
        expected="the UUID of the mapping the exercise cell created",
        hint="update the mapping, do not delete it; run the exercise cell again to recreate it",
        value=mapping_uuid,
    ):
        config = lam.get_event_source_mapping(UUID=str(mapping_uuid))
    fb.expect(
        config.get("BisectBatchOnFunctionError") is True,
        "bisect is on",
        expected="BisectBatchOnFunctionError=True",
        got=config.get("BisectBatchOnFunctionError"),
        hint="update_event_source_mapping(UUID=..., BisectBatchOnFunctionError=True, ...)",
    )
    retries = config.get("MaximumRetryAttempts", -1)
    fb.expect(
        retries is not None and 0 <= retries <= 3,
        "retries are limited",
        expected="MaximumRetryAttempts between 0 and 3",
        got=retries,
        hint="the default (-1) retries until the record expires",
    )
    target = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    fb.expect(
        bool(target),
        "failed records go to an on-failure destination",
        expected="DestinationConfig={'OnFailure': {'Destination': <queue ARN>}}",
        got=target,
        hint="use the ARN of the queue in DESTINATION_URL",
    )
    wanted = _queue_arn(destination)
    fb.expect(
        not wanted or target == wanted,
        "the destination is the queue in DESTINATION_URL",
        expected=wanted,
        got=target,
        hint="DestinationConfig={'OnFailure': {'Destination': lab.queue_arn(DESTINATION_URL)}}",
    )
    reported: list[dict[str, Any]] = []
    done: set[Any] = set()
    end = time.monotonic() + 30  # ends as soon as all arrived; generous under load
    while time.monotonic() < end and not (reported and len(done) >= 7):
        reported += [r["body"] for r in lab.drain(destination)]
        done |= {r["body"]["id"] for r in lab.drain(results)}
        time.sleep(0.2)
    sizes = [r.get("KinesisBatchInfo", {}).get("batchSize") for r in reported]
    fb.expect(
        sizes == [1],
        "exactly the poisoned record reached the destination",
        expected="one invocation record with batchSize 1",
        got=sizes,
        hint=f"the mapping is {config.get('State')}: Enabled=True"
        if not reported and config.get("State") in ("Disabled", "Disabling")
        else "bisect narrows the failing batch down to the one bad record",
    )
    fb.expect(
        len(done) >= 7,
        "the records after the poisoned one were processed",
        expected="7 good records processed",
        got=sorted(done),
        hint="is the mapping enabled?",
    )


def _queue_arn(url: str) -> str:
    """The ARN of the queue at ``url`` ("" when there is no such queue)."""
    try:
        return lab.queue_arn(url) if url else ""
    except (ClientError, BotoCoreError):
        return ""


@exercise("event-sources/sqs-settings", title="Design: settings for an SQS mapping")
def _sqs_settings(fb: Feedback, settings: Any = ...) -> None:
    """A function with a 20 s timeout reads an orders queue; one diagnosis per setting."""
    fb.filled(settings, "SQS_SETTINGS", dict)
    visibility = fb.filled(settings.get("visibility_timeout_s"), "visibility_timeout_s", int)
    fb.expect(
        visibility >= 20,
        "visibility_timeout_s is at least the function timeout",
        expected="at least 20 (the function timeout)",
        got=visibility,
        hint="Lambda refuses a mapping whose queue visibility timeout is shorter than the "
        "function timeout: a message could reappear while it is still being processed",
    )
    fb.expect(
        visibility >= 120,
        "visibility_timeout_s follows AWS's 6x advice",
        expected="at least 120 (6 x 20 s)",
        got=visibility,
        hint="retries of a throttled or failed batch need room: AWS advises 6 x the function "
        "timeout (plus any batching window)",
    )
    report = settings.get("report_batch_item_failures")
    fb.expect(
        report is True,
        "report_batch_item_failures is on",
        expected=True,
        got=repr(report),
        hint="one bad order must not send its 9 healthy neighbours back to the queue: turn on "
        "ReportBatchItemFailures (and return batchItemFailures)",
    )
    receives = fb.filled(settings.get("max_receive_count"), "max_receive_count", int)
    fb.expect(
        2 <= receives <= 10,
        "max_receive_count sends a poisoned order to the DLQ after a few tries",
        expected="between 2 and 10",
        got=receives,
        hint="1 gives a message no second chance after a transient error; a huge value keeps "
        "a poisoned message failing for days",
    )
