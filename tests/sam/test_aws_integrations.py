"""AWS-service integrations the sample apps use besides SQS, DynamoDB and Step Functions:
Kinesis PutRecord (Data base64 in the template), EventBridge PutEvents, SNS Publish; SQS and
SNS answer in AWS's query-protocol shape (SendMessageResponse.SendMessageResult.MessageId)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from lablib.aws.server import LocalAWS

from .conftest import NO_RETRY


def _method(gw: Any, api: str, parent: str, part: str, uri: str, template: str) -> None:
    resource = gw.create_resource(restApiId=api, parentId=parent, pathPart=part)["id"]
    gw.put_method(restApiId=api, resourceId=resource, httpMethod="POST", authorizationType="NONE")
    gw.put_integration(
        restApiId=api,
        resourceId=resource,
        httpMethod="POST",
        type="AWS",
        integrationHttpMethod="POST",
        uri=uri,
        credentials="arn:aws:iam::123456789012:role/api",
        requestTemplates={"application/json": template},
    )
    gw.put_integration_response(
        restApiId=api, resourceId=resource, httpMethod="POST", statusCode="200"
    )


def _post(url: str, body: Any) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def test_kinesis_events_sns_integrations(aws: LocalAWS, stack_name: str) -> None:
    gw = aws.client("apigateway", config=NO_RETRY)
    kinesis = aws.client("kinesis", config=NO_RETRY)
    sns = aws.client("sns", config=NO_RETRY)
    kinesis.create_stream(StreamName=stack_name, ShardCount=1)
    topic = sns.create_topic(Name=stack_name)["TopicArn"]
    api = gw.create_rest_api(name=stack_name)["id"]
    root = gw.get_resources(restApiId=api)["items"][0]["id"]
    region = "arn:aws:apigateway:us-east-1"
    _method(
        gw,
        api,
        root,
        "record",
        f"{region}:kinesis:action/PutRecord",
        f'{{"StreamName": "{stack_name}", "Data": "$util.base64Encode($input.json(\'$.data\'))",'
        ' "PartitionKey": "$input.path(\'$.key\')"}',
    )
    _method(
        gw,
        api,
        root,
        "events",
        f"{region}:events:action/PutEvents",
        '{"Entries": [{"Source": "probe.api", "DetailType": "t",'
        ' "Detail": "$util.escapeJavaScript($input.json(\'$\'))"}]}',
    )
    _method(
        gw,
        api,
        root,
        "publish",
        f"{region}:sns:action/Publish",
        f"Action=Publish&TopicArn=$util.urlEncode('{topic}')&Message=$util.urlEncode($input.body)",
    )
    gw.create_deployment(restApiId=api, stageName="dev")
    base = f"{aws.endpoint}/restapis/{api}/dev/_user_request_"
    put = _post(f"{base}/record", {"data": {"n": 1}, "key": "k1"})
    assert put["ShardId"] and put["SequenceNumber"]
    shard = kinesis.list_shards(StreamName=stack_name)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=stack_name, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert json.loads(records[0]["Data"]) == {"n": 1}
    assert records[0]["PartitionKey"] == "k1"
    sent = _post(f"{base}/events", {"hello": "bus"})
    assert sent["FailedEntryCount"] == 0 and sent["Entries"][0]["EventId"]
    published = _post(f"{base}/publish", {"hello": "topic"})
    assert published["PublishResponse"]["PublishResult"]["MessageId"]
    assert published["PublishResponse"]["ResponseMetadata"]["RequestId"]
