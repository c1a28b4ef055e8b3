"""Event source mapping FilterCriteria: EventBridge's pattern grammar on SQS, Kinesis and
DynamoDB Streams records, with AWS's rule for JSON and plain-string bodies; filtered-out SQS
messages are deleted, filtered-out stream records are skipped."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.events import filters
from tests.events.conftest import queue_arn, unique, wait_for


def _sqs(body: str, **attributes: str) -> dict[str, Any]:
    return {
        "messageId": "m-1",
        "receiptHandle": "r",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", **attributes},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
        "awsRegion": "us-east-1",
    }


def _passes(pattern: object, record: dict[str, Any]) -> bool:
    parsed = filters.patterns({"Filters": [{"Pattern": json.dumps(pattern)}]})
    return filters.record_matches(parsed, record)


ORDER = json.dumps(
    {"region": "us-east-1", "rating": 4, "address": {"state": "NY", "street": "Main"}, "n": None}
)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"body": {"region": [{"prefix": "us-"}]}}, True),
        ({"body": {"region": [{"prefix": "eu-"}]}}, False),
        ({"body": {"region": [{"suffix": "-1"}]}}, True),
        ({"body": {"region": [{"equals-ignore-case": "US-EAST-1"}]}}, True),
        ({"body": {"address": {"state": [{"anything-but": "GA"}]}}}, True),
        ({"body": {"address": {"state": [{"anything-but": "NY"}]}}}, False),
        ({"body": {"address": {"state": [{"anything-but": ["GA", "NY"]}]}}}, False),
        ({"body": {"region": [{"anything-but": {"prefix": "us-"}}]}}, False),
        ({"body": {"region": [{"anything-but": {"prefix": "eu-"}}]}}, True),
        ({"body": {"rating": [{"numeric": [">", 0, "<=", 5]}]}}, True),
        ({"body": {"rating": [{"numeric": [">", 4]}]}}, False),
        ({"body": {"address": {"street": [{"exists": True}]}}}, True),
        ({"body": {"address": {"zip": [{"exists": True}]}}}, False),
        ({"body": {"address": {"zip": [{"exists": False}]}}}, True),
        ({"body": {"n": [None]}}, True),
        ({"body": {"rating": [4, 5]}}, True),
        ({"$or": [{"body": {"rating": [1]}}, {"body": {"region": ["us-east-1"]}}]}, True),
        ({"$or": [{"body": {"rating": [1]}}, {"body": {"region": ["eu"]}}]}, False),
        # a metadata field and the body together
        ({"attributes": {"ApproximateReceiveCount": ["1"]}, "body": {"rating": [4]}}, True),
        ({"awsRegion": ["eu-west-1"], "body": {"rating": [4]}}, False),
        # a plain-string pattern on a JSON body: AWS drops the message
        ({"body": [ORDER]}, False),
    ],
)
def test_pattern_grammar_on_a_json_sqs_body(pattern: object, expected: bool) -> None:
    assert _passes(pattern, _sqs(ORDER)) is expected


def test_plain_string_bodies_match_plain_patterns_and_metadata_only() -> None:
    plain = _sqs("hello world")
    assert _passes({"body": ["hello world"]}, plain)
    assert _passes({"body": [{"prefix": "hello"}]}, plain)
    assert not _passes({"body": ["bye"]}, plain)
    # a JSON pattern never matches a plain-string body ...
    assert not _passes({"body": {"greeting": [{"exists": False}]}}, plain)
    # ... and a filter without body matches on the other fields only
    assert _passes({"eventSource": ["aws:sqs"]}, plain)
    assert not _passes({"eventSource": ["aws:kinesis"]}, plain)


def test_no_filters_pass_everything_and_any_filter_may_match() -> None:
    assert filters.record_matches([], _sqs("x"))
    parsed = filters.patterns(
        {"Filters": [{"Pattern": '{"body": ["a"]}'}, {"Pattern": '{"body": ["x"]}'}]}
    )
    assert filters.record_matches(parsed, _sqs("x"))
    assert not filters.record_matches(parsed, _sqs("y"))


def test_kinesis_data_is_decoded_and_dynamodb_records_match_as_they_are() -> None:
    data = base64.b64encode(json.dumps({"kind": "click", "n": 7}).encode()).decode()
    kinesis = {"eventSource": "aws:kinesis", "kinesis": {"data": data, "partitionKey": "k"}}
    assert _passes({"data": {"kind": ["click"], "n": [{"numeric": [">=", 7]}]}}, kinesis)
    assert not _passes({"data": {"kind": ["view"]}}, kinesis)
    # Kinesis mappings filter on the data key only (AWS's note)
    assert not _passes({"kinesis": {"partitionKey": ["k"]}}, kinesis)
    ddb = {
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {"NewImage": {"status": {"S": "open"}}},
    }
    assert _passes(
        {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["open"]}}}}, ddb
    )
    assert not _passes({"eventName": [{"anything-but": ["INSERT", "MODIFY"]}]}, ddb)


def test_invalid_pattern_is_refused_with_a_reason() -> None:
    with pytest.raises(filters.PatternError):
        filters.patterns({"Filters": [{"Pattern": '{"body": "not-a-list"}'}]})
    with pytest.raises(filters.PatternError):
        filters.patterns({"Filters": [{"Pattern": "{not json"}]})


def test_sqs_mapping_invokes_only_matching_messages_and_deletes_the_rest(
    clients: Any, recorder: Any, results: Any
) -> None:
    url = clients.sqs.create_queue(
        QueueName=unique("filtered"), Attributes={"VisibilityTimeout": "20"}
    )["QueueUrl"]
    fn = recorder({"RESULTS_QUEUE_URL": results.url})
    patterns = [
        {"body": {"region": [{"anything-but": {"prefix": "eu-"}}], "n": [{"numeric": [">", 0]}]}},
        {"body": ["plain-yes"]},
    ]
    clients.lam.create_event_source_mapping(
        EventSourceArn=queue_arn(clients.sqs, url),
        FunctionName=fn,
        BatchSize=10,
        FilterCriteria={"Filters": [{"Pattern": json.dumps(p)} for p in patterns]},
    )
    bodies = [
        json.dumps({"id": 1, "region": "us-east-1", "n": 3}),
        json.dumps({"id": 2, "region": "eu-west-1", "n": 3}),
        json.dumps({"id": 3, "region": "us-east-1", "n": 0}),
        json.dumps({"id": 4}),
        "plain-yes",
        "plain-no",
    ]
    for body in bodies:
        clients.sqs.send_message(QueueUrl=url, MessageBody=body)
    got = wait_for(lambda: len(results.drain()) >= 2 and results.items)
    assert sorted(str(item["id"]) for item in got) == ["1", "None"]  # (id None: "plain-yes")

    def empty() -> bool:
        attrs = clients.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return set(attrs.values()) == {"0"}

    wait_for(empty)  # filtered messages were deleted, not left to reappear
    assert len(results.drain()) == 2


def test_kinesis_mapping_skips_filtered_records(clients: Any, recorder: Any, results: Any) -> None:
    name = unique("filtered")
    clients.kinesis.create_stream(StreamName=name, ShardCount=1)
    arn = clients.kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]
    fn = recorder({"RESULTS_QUEUE_URL": results.url})
    pattern = {"data": {"kind": [{"equals-ignore-case": "CLICK"}]}}
    clients.lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=fn,
        StartingPosition="TRIM_HORIZON",
        FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]},
    )
    for i, kind in enumerate(["click", "view", "Click", "view"]):
        data = json.dumps({"id": i, "kind": kind}).encode()
        clients.kinesis.put_record(StreamARN=arn, Data=data, PartitionKey="k")
    got = wait_for(lambda: len(results.drain()) >= 2 and results.items)
    assert sorted(item["id"] for item in got) == [0, 2]


def test_invalid_filter_pattern_is_refused_at_create(clients: Any, recorder: Any) -> None:
    url = clients.sqs.create_queue(QueueName=unique("bad-filter"))["QueueUrl"]
    with pytest.raises(ClientError) as caught:
        clients.lam.create_event_source_mapping(
            EventSourceArn=queue_arn(clients.sqs, url),
            FunctionName=recorder(),
            FilterCriteria={"Filters": [{"Pattern": '{"body": "x"}'}]},
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert "Invalid filter pattern definition" in error["Message"]
