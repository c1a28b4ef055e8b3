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

from lablib.events import lab
from lablib.exercises.core import Feedback, exercise
from lablib.notebook._aws import client
from lablib.notebook.deploy import lab_role


def _zip(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", code)
    return buffer.getvalue()


@exercise("event-sources/partial-batch", title="Return only the failed messages")
def check_partial_batch(fb: Feedback, code: str = "") -> None:
    fb.filled(code if code else ..., "PARTIAL_HANDLER")
    try:
        compile(code, "app.py", "exec")
    except SyntaxError as exc:
        fb.expect(
            False,
            "the handler compiles",
            expected="valid Python",
            got=f"line {exc.lineno}: {exc.msg}",
            hint="fix the syntax error",
        )
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
    bodies = [{"id": i, **({"fail": True} if i == 3 else {})} for i in range(6)]
    sqs.send_message_batch(
        QueueUrl=src,
        Entries=[{"Id": str(i), "MessageBody": json.dumps(b)} for i, b in enumerate(bodies)],
    )
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    dead: list[dict[str, Any]] = []
    end = time.monotonic() + 8
    while time.monotonic() < end:
        dead += lab.drain(dlq)
        left = sqs.get_queue_attributes(
            QueueUrl=src,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        if (
            dead
            and left["ApproximateNumberOfMessages"]
            == left["ApproximateNumberOfMessagesNotVisible"]
            == "0"
        ):
            break
        time.sleep(0.2)
    lam.delete_event_source_mapping(UUID=mapping["UUID"])
    ids = sorted(int(d["body"].get("id", -1)) for d in dead if isinstance(d["body"], dict))
    fb.expect(
        ids != [0, 1, 2, 3, 4, 5],
        "the good messages are not retried with the bad one",
        expected="only message 3 in the DLQ",
        got=f"DLQ holds ids {ids}",
        hint="return {'batchItemFailures': [...]} instead of raising",
    )
    fb.expect(
        ids == [3],
        "only the poisoned message (id 3) ends in the DLQ",
        expected=[3],
        got=ids,
        hint="list {'itemIdentifier': record['messageId']} for records whose body has 'fail'",
    )


@exercise("event-sources/s3-permission", title="Let only one bucket invoke the function")
def check_s3_permission(
    fb: Feedback, bucket: str = "", function: str = "", results: str = ""
) -> None:
    lam, s3 = client("lambda"), client("s3")
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
    conditions = json.dumps([s.get("Condition", {}) for s in statements])
    fb.expect(
        f"arn:aws:s3:::{bucket}" in conditions and "AWS:SourceAccount" in conditions,
        "the statement is limited to this bucket and account",
        expected=f"SourceArn arn:aws:s3:::{bucket} and SourceAccount",
        got=conditions,
        hint="pass SourceArn and SourceAccount to add_permission",
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
    time.sleep(1.0)
    keys = sorted(item["body"]["ident"] for item in lab.drain(results))
    fb.expect(
        keys == ["incoming/report.csv"],
        "only incoming/*.csv uploads run the function",
        expected=["incoming/report.csv"],
        got=keys,
        hint="Filter={'Key': {'FilterRules': [{'Name': 'prefix', ...}, {'Name': 'suffix', ...}]}}",
    )


@exercise("event-sources/unblock-shard", title="Keep a shard moving past a poisoned record")
def check_unblock_shard(
    fb: Feedback, mapping_uuid: str = "", results: str = "", destination: str = ""
) -> None:
    lam = client("lambda")
    config = lam.get_event_source_mapping(UUID=mapping_uuid)
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
    reported: list[dict[str, Any]] = []
    done: set[Any] = set()
    end = time.monotonic() + 10
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
        hint="bisect narrows the failing batch down to the one bad record",
    )
    fb.expect(
        len(done) >= 7,
        "the records after the poisoned one were processed",
        expected="7 good records processed",
        got=sorted(done),
        hint="is the mapping enabled?",
    )
