"""Lab 02's s3-permission and unblock-shard checks against typical wrong answers, set up through
boto3 as the exercise cells do: each fails with its own diagnosis, the reference passes."""

from __future__ import annotations

import json
from typing import Any

import pytest

import lablib.labs.event_sources.checks  # noqa: F401  (registers the checks)
from lablib.exercises import check
from lablib.labs.event_sources import views as lab
from lablib.notebook._aws import client
from lablib.notebook.deploy import deploy
from tests.support import running_aws

aws = pytest.fixture(scope="module", name="aws")(running_aws)
ACCOUNT = "123456789012"  # the lab's ACCOUNT (the local AWS's account)


def failure_of(result: Any) -> str:
    """The failed step, what happened and its hint, as one text (asserts a clean failure)."""
    assert not result.passed, repr(result)
    failure = result.failure
    assert failure is not None and failure.what != "the check could run", repr(result)
    return f"{failure.what} | {failure.got} | {failure.hint}"


# --- s3-permission: only bucket es-ex-uploads (of this account) may invoke es-ex-ingest ------
ALL_RULES = [{"Name": "prefix", "Value": "incoming/"}, {"Name": "suffix", "Value": ".csv"}]
# mistake -> (permission arguments beyond the principal, filter rules, events)
S3_CELLS: dict[str, tuple[dict[str, str], list[dict[str, str]], list[str]]] = {
    "no conditions": ({}, ALL_RULES, ["s3:ObjectCreated:*"]),
    "no SourceAccount": ({"SourceArn": "arn:aws:s3:::{bucket}"}, ALL_RULES, ["s3:ObjectCreated:*"]),
    "no SourceArn": ({"SourceAccount": ACCOUNT}, ALL_RULES, ["s3:ObjectCreated:*"]),
    "the objects' ARN": (
        {"SourceArn": "arn:aws:s3:::{bucket}/*", "SourceAccount": ACCOUNT},
        ALL_RULES,
        ["s3:ObjectCreated:*"],
    ),
    "another account": (
        {"SourceArn": "arn:aws:s3:::{bucket}", "SourceAccount": "111122223333"},
        ALL_RULES,
        ["s3:ObjectCreated:*"],
    ),
    "no filter": ({}, [], ["s3:ObjectCreated:*"]),
    "prefix only": ({}, ALL_RULES[:1], ["s3:ObjectCreated:*"]),
    "suffix only": ({}, ALL_RULES[1:], ["s3:ObjectCreated:*"]),
    "removals, not uploads": ({}, ALL_RULES, ["s3:ObjectRemoved:*"]),
}
REFUSED = {"the objects' ARN", "another account"}  # put_bucket_notification_configuration fails
LIMITS = {"SourceArn": "arn:aws:s3:::{bucket}", "SourceAccount": ACCOUNT}
S3_WRONG: list[tuple[str, str, str]] = [
    ("nothing done (the learner copy)", "lets s3.amazonaws.com invoke", "none for S3"),
    ("no conditions", "limited to this bucket and account", "without conditions"),
    ("no SourceAccount", "limited to this bucket and account", "SourceAccount is missing"),
    ("no SourceArn", "limited to this bucket and account", "SourceArn is missing"),
    ("the objects' ARN", "limited to this bucket and account", "no /* for objects"),
    ("another account", "limited to this bucket and account", "is not this account"),
    ("no notification", "the bucket notifies the function", "put_bucket_notification"),
    ("no filter", "only incoming/*.csv uploads", "no filter"),
    ("prefix only", "only incoming/*.csv uploads", "the suffix rule is missing"),
    ("suffix only", "only incoming/*.csv uploads", "the prefix rule is missing"),
    ("removals, not uploads", "only incoming/*.csv uploads", "s3:ObjectCreated:*"),
]


def s3_exercise(n: int, mistake: str, results: str) -> tuple[str, str]:
    """The exercise cell with one mistake (or none) on its own bucket and function."""
    bucket, function = f"es-ex-uploads-{n}", f"es-ex-ingest-{n}"
    ingest = deploy(
        "event-sources",
        "recorder",
        name=function,
        timeout=2,
        environment={"RESULTS_QUEUE_URL": results},
    )
    client("s3").create_bucket(Bucket=bucket)
    limits, rules, events = S3_CELLS.get(mistake, (LIMITS, ALL_RULES, ["s3:ObjectCreated:*"]))
    if mistake in ("no filter", "prefix only", "suffix only", "removals, not uploads"):
        limits = LIMITS
    if mistake.startswith("nothing done"):
        return bucket, function
    client("lambda").add_permission(
        FunctionName=function,
        StatementId="s3-uploads",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        **{k: v.format(bucket=bucket) for k, v in limits.items()},
    )
    if mistake != "no notification":
        config: dict[str, Any] = {"LambdaFunctionArn": ingest.arn, "Events": events}
        if rules:
            config["Filter"] = {"Key": {"FilterRules": rules}}
        s3 = client("s3")
        try:
            s3.put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [config]}
            )
        except s3.exceptions.ClientError as exc:
            # As on AWS, S3 refuses a destination whose permission does not let it invoke;
            # the learner sees the error, then runs the check.
            assert mistake in REFUSED, (mistake, exc)
            assert "Unable to validate" in str(exc)
        else:
            assert mistake not in REFUSED, f"{mistake}: S3 accepted the notification"
    return bucket, function


def test_s3_permission_wrong_answers(aws: object) -> None:
    results = lab.queue_url("es-ex-results")
    seen = {}
    for n, (mistake, step, words) in enumerate(S3_WRONG):
        bucket, function = s3_exercise(n, mistake, results)
        result = check(
            "event-sources/s3-permission", bucket=bucket, function=function, results=results
        )
        seen[mistake] = failure_of(result)
        assert step in seen[mistake].split(" | ")[0] and words in seen[mistake], (
            mistake,
            seen[mistake],
        )
    assert len(set(seen.values())) == len(seen), seen
    bucket, function = s3_exercise(len(S3_WRONG), "the reference", results)
    result = check("event-sources/s3-permission", bucket=bucket, function=function, results=results)
    assert result.passed, repr(result)


# --- unblock-shard: bisect, few retries and an on-failure destination on EX_MAPPING ----------
def shard_exercise(n: int) -> tuple[str, str, str]:
    """The cell above the update: a stream of 8 records (id 4 poisoned), the recorder and a
    mapping at TRIM_HORIZON. Returns (mapping UUID, results URL, destination URL)."""
    kinesis = client("kinesis")
    kinesis.create_stream(StreamName=f"es-ex-clicks-{n}", ShardCount=1)
    stream = kinesis.describe_stream(StreamName=f"es-ex-clicks-{n}")["StreamDescription"][
        "StreamARN"
    ]
    for i in range(8):
        kinesis.put_record(
            StreamARN=stream,
            PartitionKey="p",
            Data=json.dumps({"id": i, **({"fail": "always"} if i == 4 else {})}).encode(),
        )
    results = lab.queue_url(f"es-ex-stream-results-{n}")
    destination = lab.queue_url(f"es-ex-stream-failed-{n}")
    deploy(
        "event-sources",
        "recorder",
        name=f"es-ex-stream-{n}",
        timeout=2,
        environment={"RESULTS_QUEUE_URL": results},
    )
    mapping = client("lambda").create_event_source_mapping(
        EventSourceArn=stream,
        FunctionName=f"es-ex-stream-{n}",
        StartingPosition="TRIM_HORIZON",
        BatchSize=8,
    )["UUID"]
    return mapping, results, destination


def shard_update(mistake: str, mapping: str, results: str, destination: str) -> None:
    """The exercise's update_event_source_mapping, with one mistake (or none)."""
    update: dict[str, Any] = {
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": 1,
        "DestinationConfig": {"OnFailure": {"Destination": lab.queue_arn(destination)}},
    }
    if mistake == "nothing updated":
        return
    if mistake == "no bisect":
        update.pop("BisectBatchOnFunctionError")
    if mistake == "retries left unlimited":
        update.pop("MaximumRetryAttempts")
    if mistake == "no destination":
        update.pop("DestinationConfig")
    if mistake == "the results queue as destination":
        update["DestinationConfig"] = {"OnFailure": {"Destination": lab.queue_arn(results)}}
    if mistake == "mapping disabled":
        update["Enabled"] = False
    client("lambda").update_event_source_mapping(UUID=mapping, **update)


SHARD_WRONG: list[tuple[str, str, str]] = [
    ("nothing updated", "bisect is on", "BisectBatchOnFunctionError=True"),
    ("no bisect", "bisect is on", "BisectBatchOnFunctionError=True"),
    ("retries left unlimited", "retries are limited", "retries until the record expires"),
    ("no destination", "an on-failure destination", "DESTINATION_URL"),
    ("the results queue as destination", "the queue in DESTINATION_URL", "es-ex-stream-results"),
    ("mapping disabled", "exactly the poisoned record", "Enabled=True"),
]


@pytest.mark.parametrize(("mistake", "step", "words"), SHARD_WRONG, ids=[w[0] for w in SHARD_WRONG])
def test_unblock_shard_wrong_answers(aws: object, mistake: str, step: str, words: str) -> None:
    n = [w[0] for w in SHARD_WRONG].index(mistake)
    mapping, results, destination = shard_exercise(n)
    shard_update(mistake, mapping, results, destination)
    result = check(
        "event-sources/unblock-shard",
        mapping_uuid=mapping,
        results=results,
        destination=destination,
    )
    seen = failure_of(result)
    assert step in seen.split(" | ")[0] and words in seen, (mistake, seen)


def test_unblock_shard_reference_passes(aws: object) -> None:
    mapping, results, destination = shard_exercise(len(SHARD_WRONG))
    shard_update("the reference", mapping, results, destination)
    result = check(
        "event-sources/unblock-shard",
        mapping_uuid=mapping,
        results=results,
        destination=destination,
    )
    assert result.passed, repr(result)
