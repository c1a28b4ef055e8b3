"""CloudFormation resources for SNS, SQS and S3 that were missing or silently incomplete:
subscriptions (raw delivery, filter policies), topic and queue policies, bucket
notifications (SQS and EventBridge) and the Ref of a Lambda layer version."""

from __future__ import annotations

import json
import time
from typing import Any

from lablib.aws.server import LocalAWS

from .conftest import NO_RETRY, create_stack


def _receive(aws: LocalAWS, url: str, count: int = 1) -> list[str]:
    sqs = aws.client("sqs", config=NO_RETRY)
    got: list[str] = []
    deadline = time.monotonic() + 30
    while len(got) < count and time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        got += [m["Body"] for m in batch.get("Messages", [])]
    return got


def _queue(name: str) -> dict[str, Any]:
    return {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": name}}


def test_subscription_with_raw_delivery_and_filter_policy(aws: LocalAWS, stack_name: str) -> None:
    template = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "All": _queue(f"{stack_name}-all"),
            "Red": _queue(f"{stack_name}-red"),
            "AllSub": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "Topic"},
                    "Protocol": "sqs",
                    "Endpoint": {"Fn::GetAtt": ["All", "Arn"]},
                    "RawMessageDelivery": True,
                },
            },
            "RedSub": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "Topic"},
                    "Protocol": "sqs",
                    "Endpoint": {"Fn::GetAtt": ["Red", "Arn"]},
                    "RawMessageDelivery": "true",
                    "FilterPolicy": {"colour": ["red"]},
                },
            },
            "Policy": {
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {
                    "Queues": [{"Ref": "All"}, {"Ref": "Red"}],
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "sns.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Resource": "*",
                            }
                        ]
                    },
                },
            },
            "TopicPolicy": {
                "Type": "AWS::SNS::TopicPolicy",
                "Properties": {
                    "Topics": [{"Ref": "Topic"}],
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Resource": {"Ref": "Topic"},
                            }
                        ]
                    },
                },
            },
        },
        "Outputs": {
            "Topic": {"Value": {"Ref": "Topic"}},
            "All": {"Value": {"Ref": "All"}},
            "Red": {"Value": {"Ref": "Red"}},
            "Sub": {"Value": {"Ref": "RedSub"}},
        },
    }
    out = create_stack(aws, stack_name, template)
    assert out["Sub"].startswith(out["Topic"] + ":")
    sns = aws.client("sns", config=NO_RETRY)
    for colour in ("blue", "red"):
        attrs = {"colour": {"DataType": "String", "StringValue": colour}}
        sns.publish(TopicArn=out["Topic"], Message=colour, MessageAttributes=attrs)
    assert sorted(_receive(aws, out["All"], 2)) == ["blue", "red"]  # raw: the bare message
    assert _receive(aws, out["Red"], 1) == ["red"]
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=out["Red"], AttributeNames=["Policy"]
    )["Attributes"]
    assert json.loads(attributes["Policy"])["Statement"][0]["Action"] == "sqs:SendMessage"
    policy = sns.get_topic_attributes(TopicArn=out["Topic"])["Attributes"]["Policy"]
    assert json.loads(policy)["Statement"][0]["Action"] == "sns:Publish"
    cfn = aws.client("cloudformation", config=NO_RETRY)
    cfn.delete_stack(StackName=stack_name)
    subscriptions = sns.list_subscriptions()["Subscriptions"]
    assert out["Sub"] not in {s["SubscriptionArn"] for s in subscriptions}


def test_bucket_notifications_to_sqs_and_eventbridge(aws: LocalAWS, stack_name: str) -> None:
    bucket = f"{stack_name}-bucket"
    template = {
        "Resources": {
            "Queue": _queue(f"{stack_name}-s3"),
            "BusQueue": _queue(f"{stack_name}-bus"),
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": bucket,
                    "BucketEncryption": {  # only BucketKeyEnabled: SSE-S3, as on AWS
                        "ServerSideEncryptionConfiguration": [{"BucketKeyEnabled": True}]
                    },
                    "NotificationConfiguration": {
                        "QueueConfigurations": [
                            {
                                "Event": "s3:ObjectCreated:*",
                                "Queue": {"Fn::GetAtt": ["Queue", "Arn"]},
                                "Filter": {
                                    "S3Key": {"Rules": [{"Name": "suffix", "Value": ".json"}]}
                                },
                            }
                        ],
                        "EventBridgeConfiguration": {"EventBridgeEnabled": True},
                    },
                },
            },
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": {
                        "source": ["aws.s3"],
                        "detail-type": ["Object Created"],
                        "detail": {"bucket": {"name": [bucket]}},
                    },
                    "Targets": [{"Id": "q", "Arn": {"Fn::GetAtt": ["BusQueue", "Arn"]}}],
                },
            },
        },
        "Outputs": {"Queue": {"Value": {"Ref": "Queue"}}, "Bus": {"Value": {"Ref": "BusQueue"}}},
    }
    out = create_stack(aws, stack_name, template)
    s3 = aws.client("s3", config=NO_RETRY)
    s3.put_object(Bucket=bucket, Key="skip.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="data.json", Body=b"{}")
    records = [json.loads(body) for body in _receive(aws, out["Queue"], 1)]
    keys = [r["Records"][0]["s3"]["object"]["key"] for r in records if "Records" in r]
    assert keys == ["data.json"]  # the suffix filter holds
    events = [json.loads(body) for body in _receive(aws, out["Bus"], 2)]
    assert {e["detail"]["object"]["key"] for e in events} == {"skip.txt", "data.json"}
    assert {e["detail-type"] for e in events} == {"Object Created"}


def test_layer_version_ref_is_its_arn(aws: LocalAWS, stack_name: str) -> None:
    s3 = aws.client("s3", config=NO_RETRY)
    s3.create_bucket(Bucket=f"{stack_name}-code")
    from tests.support import zip_of

    s3.put_object(
        Bucket=f"{stack_name}-code", Key="layer.zip", Body=zip_of({"python/x.py": "X = 1\n"})
    )
    template = {
        "Resources": {
            "Layer": {
                "Type": "AWS::Lambda::LayerVersion",
                "Properties": {
                    "LayerName": f"{stack_name}-layer",
                    "Content": {"S3Bucket": f"{stack_name}-code", "S3Key": "layer.zip"},
                },
            }
        },
        "Outputs": {"Layer": {"Value": {"Ref": "Layer"}}},
    }
    out = create_stack(aws, stack_name, template)
    assert out["Layer"].startswith("arn:aws:lambda:us-east-1:")
    assert out["Layer"].endswith(f":layer:{stack_name}-layer:1")
