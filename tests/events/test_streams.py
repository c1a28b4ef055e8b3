"""Kinesis and DynamoDB Streams mappings: shard order, blocking, retries, bisect, record age,
on-failure destination, IteratorAge, and no record lost."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.events.conftest import drain_queue, queue_arn, unique, wait_for


def make_stream(clients: Any, shards: int = 1) -> str:
    name = unique("clicks")
    clients.kinesis.create_stream(StreamName=name, ShardCount=shards)
    arn: str = clients.kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]
    return arn


def put(clients: Any, arn: str, body: dict[str, Any], key: str = "k") -> str:
    seq: str = clients.kinesis.put_record(
        StreamARN=arn, Data=json.dumps(body).encode(), PartitionKey=key
    )["SequenceNumber"]
    return seq


def destination(clients: Any) -> tuple[str, str]:
    url = clients.sqs.create_queue(QueueName=unique("onfail"))["QueueUrl"]
    return url, queue_arn(clients.sqs, url)


def test_kinesis_in_order_per_shard(clients: Any, recorder: Any, results: Any) -> None:
    """kinesis.in-order: records with the same partition key land in one shard and are
    processed in the order they were written, one batch at a time."""
    arn = make_stream(clients, shards=2)
    fn = recorder({"RESULTS_QUEUE_URL": results.url})
    for i in range(30):
        put(clients, arn, {"id": i, "session": f"s{i % 3}"}, key=f"s{i % 3}")
    clients.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn, StartingPosition="TRIM_HORIZON", BatchSize=4
    )
    wait_for(lambda: len(results.drain()) == 30)
    for session in ("s0", "s1", "s2"):
        ids = [r["id"] for r in results.items if r["id"] % 3 == int(session[1])]
        assert ids == sorted(ids)


def test_kinesis_event_shape_and_latest(clients: Any, handler_code: Any) -> None:
    """Records[].kinesis.data is base64; StartingPosition LATEST skips what was already there."""
    out = clients.sqs.create_queue(QueueName=unique("out"))["QueueUrl"]
    code = (
        "import json, os, boto3\nsqs = boto3.client('sqs')\n"
        "def handler(event, context):\n"
        "    sqs.send_message(QueueUrl=os.environ['OUT'], MessageBody=json.dumps(event))\n"
    )
    fn = handler_code(code, Environment={"Variables": {"OUT": out}})
    arn = make_stream(clients)
    put(clients, arn, {"old": True})
    clients.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST"
    )
    time.sleep(0.3)
    seq = put(clients, arn, {"new": True}, key="user-1")
    got = wait_for(lambda: drain_queue(clients.sqs, out))
    records = json.loads(got[0]["Body"])["Records"]
    assert len(records) == 1
    record = records[0]
    import base64

    assert json.loads(base64.b64decode(record["kinesis"]["data"])) == {"new": True}
    assert record["kinesis"]["partitionKey"] == "user-1"
    assert record["kinesis"]["sequenceNumber"] == seq
    assert record["eventSource"] == "aws:kinesis"
    assert record["eventName"] == "aws:kinesis:record"
    assert record["eventSourceARN"] == arn
    assert record["eventID"].endswith(":" + seq)


def test_kinesis_shard_blocking_then_destination(clients: Any, recorder: Any, results: Any) -> None:
    """kinesis.shard-blocking: a poisoned record blocks its shard (later records wait) until
    MaximumRetryAttempts is used up; with bisect only the poisoned record goes to the
    on-failure destination and the rest of the shard moves on. IteratorAge is published."""
    arn = make_stream(clients)
    fn = recorder({"RESULTS_QUEUE_URL": results.url})
    url, dest = destination(clients)
    for i in range(10):
        put(clients, arn, {"id": i, "fail": "always" if i == 5 else None})
    clients.lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=fn,
        StartingPosition="TRIM_HORIZON",
        BatchSize=10,
        MaximumRetryAttempts=2,
        BisectBatchOnFunctionError=True,
        DestinationConfig={"OnFailure": {"Destination": dest}},
    )
    failures = wait_for(lambda: drain_queue(clients.sqs, url))
    wait_for(lambda: len(results.drain()) == 9)
    assert sorted(r["id"] for r in results.items) == [0, 1, 2, 3, 4, 6, 7, 8, 9]
    info = json.loads(failures[0]["Body"])
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["KinesisBatchInfo"]["batchSize"] == 1
    assert info["KinesisBatchInfo"]["streamArn"] == arn
    assert info["responseContext"]["functionError"] == "Unhandled"
    # in-order: every record before the poison ran before any record after it
    order = [r["id"] for r in results.items]
    assert order.index(4) < order.index(6)
    fn_name = fn
    stats = wait_for(
        lambda: clients.cw.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName="IteratorAge",
            Dimensions=[{"Name": "FunctionName", "Value": fn_name}],
            StartTime=time.time() - 600,
            EndTime=time.time() + 60,
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
    )
    assert stats[0]["Maximum"] > 0


def test_poisoned_record_blocks_shard_without_limits(
    clients: Any, recorder: Any, results: Any
) -> None:
    """Default settings (infinite retries): nothing after the poisoned record is processed,
    while another shard keeps flowing; disabling the mapping stops the retries."""
    arn = make_stream(clients, shards=2)
    fn = recorder({"RESULTS_QUEUE_URL": results.url})
    shards = clients.kinesis.list_shards(StreamARN=arn)["Shards"]
    lo = [s for s in shards if s["HashKeyRange"]["StartingHashKey"] == "0"][0]
    hi = [s for s in shards if s is not lo][0]
    lo_key = str(int(lo["HashKeyRange"]["StartingHashKey"]))
    hi_key = str(int(hi["HashKeyRange"]["StartingHashKey"]))

    def put_hashed(body: dict[str, Any], hash_key: str) -> None:
        clients.kinesis.put_record(
            StreamARN=arn,
            Data=json.dumps(body).encode(),
            PartitionKey="p",
            ExplicitHashKey=hash_key,
        )

    for i in range(6):
        put_hashed({"id": i, "fail": "always" if i == 2 else None}, lo_key)
        put_hashed({"id": 100 + i}, hi_key)
    mapping = clients.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn, StartingPosition="TRIM_HORIZON", BatchSize=2
    )
    wait_for(lambda: {r["id"] for r in results.drain()} >= {0, 1, 100, 101, 102, 103, 104, 105})
    time.sleep(1.0)
    done = {r["id"] for r in results.drain()}
    assert not done & {2, 3, 4, 5}  # blocked behind the poison
    clients.lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)


def test_record_age_limit_sends_to_destination(clients: Any, handler_code: Any) -> None:
    """MaximumRecordAgeInSeconds (lab clock): records older than the limit are not retried
    forever; they go to the on-failure destination with condition RecordAgeExceeded."""
    arn = make_stream(clients)
    fn = handler_code("def handler(e, c):\n    raise ValueError('down')\n")
    url, dest = destination(clients)
    put(clients, arn, {"id": 1})
    clients.lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=fn,
        StartingPosition="TRIM_HORIZON",
        MaximumRecordAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": dest}},
    )
    got = wait_for(lambda: drain_queue(clients.sqs, url))
    assert json.loads(got[0]["Body"])["requestContext"]["condition"] == "RecordAgeExceeded"


def test_kinesis_no_loss(clients: Any, recorder: Any, results: Any) -> None:
    """200 records over 2 shards, some poisoned: each is processed or reported to the
    on-failure destination; the counts add up to 200."""
    arn = make_stream(clients, shards=2)
    fn = recorder({"RESULTS_QUEUE_URL": results.url})
    url, dest = destination(clients)
    n = 200
    poison = {i for i in range(n) if i % 25 == 7}
    for i in range(n):
        put(clients, arn, {"id": i, "fail": "always" if i in poison else None}, key=f"k{i % 8}")
    clients.lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=fn,
        StartingPosition="TRIM_HORIZON",
        BatchSize=20,
        MaximumRetryAttempts=1,
        BisectBatchOnFunctionError=True,
        DestinationConfig={"OnFailure": {"Destination": dest}},
    )
    reported: list[dict[str, Any]] = []

    def settled() -> bool:
        reported.extend(json.loads(m["Body"]) for m in drain_queue(clients.sqs, url))
        skipped = sum(r["KinesisBatchInfo"]["batchSize"] for r in reported)
        return len({r["id"] for r in results.drain()}) + skipped >= n

    wait_for(settled, timeout=240, every=0.2)  # under the 300 s per-test limit
    processed = {r["id"] for r in results.items}
    skipped = sum(r["KinesisBatchInfo"]["batchSize"] for r in reported)
    assert processed == set(range(n)) - poison
    assert skipped == len(poison)


def test_dynamodb_stream_records(clients: Any, handler_code: Any) -> None:
    """ddb.stream-record-shape, ddb.stream-view-type: INSERT/MODIFY/REMOVE with Keys and,
    for NEW_AND_OLD_IMAGES, both images; KEYS_ONLY carries only Keys."""
    out = clients.sqs.create_queue(QueueName=unique("out"))["QueueUrl"]
    code = (
        "import json, os, boto3\nsqs = boto3.client('sqs')\n"
        "def handler(event, context):\n"
        "    for r in event['Records']:\n"
        "        sqs.send_message(QueueUrl=os.environ['OUT'], MessageBody=json.dumps(r))\n"
    )
    fn = handler_code(code, Environment={"Variables": {"OUT": out}})
    for view in ("NEW_AND_OLD_IMAGES", "KEYS_ONLY"):
        table = unique("orders")
        desc = clients.ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
        )
        stream = desc["TableDescription"]["LatestStreamArn"]
        mapping = clients.lam.create_event_source_mapping(
            EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON"
        )
        clients.ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
        clients.ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "2"}})
        clients.ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
        got: list[Any] = []
        wait_for(
            lambda got=got: (
                len(got.__iadd__([json.loads(m["Body"]) for m in drain_queue(clients.sqs, out)]))
                >= 3
            )
        )
        assert [r["eventName"] for r in got] == ["INSERT", "MODIFY", "REMOVE"]
        assert all(
            r["eventSource"] == "aws:dynamodb" and r["eventSourceARN"] == stream for r in got
        )
        assert all(r["dynamodb"]["Keys"] == {"pk": {"S": "a"}} for r in got)
        if view == "NEW_AND_OLD_IMAGES":
            assert got[1]["dynamodb"]["OldImage"]["n"] == {"N": "1"}
            assert got[1]["dynamodb"]["NewImage"]["n"] == {"N": "2"}
            assert "NewImage" not in got[2]["dynamodb"] and "OldImage" in got[2]["dynamodb"]
        else:
            assert all(
                "NewImage" not in r["dynamodb"] and "OldImage" not in r["dynamodb"] for r in got
            )
        clients.lam.delete_event_source_mapping(UUID=mapping["UUID"])


def test_dynamodb_no_loss(clients: Any, recorder: Any, results: Any) -> None:
    """200 items written; the ones marked to fail go to the destination, the rest run."""
    table = unique("items")
    desc = clients.ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    stream = desc["TableDescription"]["LatestStreamArn"]
    fn = recorder({"RESULTS_QUEUE_URL": results.url, "REPORT_FAILURES": "1"})
    url, dest = destination(clients)
    n = 200
    poison = {i for i in range(n) if i % 40 == 11}
    for i in range(n):
        item = {"pk": {"S": f"item-{i}"}, "id": {"N": str(i)}}
        if i in poison:
            item["fail"] = {"S": "always"}
        clients.ddb.put_item(TableName=table, Item=item)
    clients.lam.create_event_source_mapping(
        EventSourceArn=stream,
        FunctionName=fn,
        StartingPosition="TRIM_HORIZON",
        BatchSize=25,
        MaximumRetryAttempts=0,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        BisectBatchOnFunctionError=True,
        DestinationConfig={"OnFailure": {"Destination": dest}},
    )
    reported: list[dict[str, Any]] = []

    def settled() -> bool:
        reported.extend(json.loads(m["Body"]) for m in drain_queue(clients.sqs, url))
        return len({r["id"] for r in results.drain()}) + len(reported) >= n

    wait_for(settled, timeout=240, every=0.2)  # under the 300 s per-test limit
    processed = {int(r["id"]) for r in results.items}
    assert processed == set(range(n)) - poison
    assert sum(r["DDBStreamBatchInfo"]["batchSize"] for r in reported) == len(poison)


def test_stream_mapping_errors(clients: Any, recorder: Any) -> None:
    """A mapping to a missing stream, or without StartingPosition, is refused."""
    fn = recorder()
    arn = make_stream(clients)
    with pytest.raises(ClientError) as exc:
        clients.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn)
    assert "StartingPosition" in str(exc.value)
    with pytest.raises(ClientError) as exc:
        clients.lam.create_event_source_mapping(
            EventSourceArn=arn + "-gone", FunctionName=fn, StartingPosition="LATEST"
        )
    assert "Stream not found" in str(exc.value)
