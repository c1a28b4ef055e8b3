"""Service integrations against the local AWS: DynamoDB, SQS and SNS."""

from __future__ import annotations

import json
from typing import Any

from tests.stepfunctions.conftest import Runner, output_of


def test_dynamodb_put_then_get_item(runner: Runner, aws: Any) -> None:
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName="sf-orders",
        KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    definition = {
        "StartAt": "Save",
        "States": {
            "Save": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": "sf-orders",
                    "Item": {"orderId": {"S.$": "$.orderId"}, "status": {"S": "NEW"}},
                },
                "ResultPath": None,
                "Next": "Load",
            },
            "Load": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "sf-orders", "Key": {"orderId": {"S.$": "$.orderId"}}},
                "ResultSelector": {"status.$": "$.Item.status.S"},
                "End": True,
            },
        },
    }
    assert output_of(runner.run(definition, {"orderId": "o-1"})[0]) == {"status": "NEW"}
    item = ddb.get_item(TableName="sf-orders", Key={"orderId": {"S": "o-1"}})["Item"]
    assert item["status"] == {"S": "NEW"}


def test_sqs_send_message_and_sns_publish(runner: Runner, aws: Any) -> None:
    sqs, sns = aws.client("sqs"), aws.client("sns")
    queue = sqs.create_queue(QueueName="sf-shipping")["QueueUrl"]
    topic = sns.create_topic(Name="sf-notify")["TopicArn"]
    definition = {
        "StartAt": "Ship",
        "States": {
            "Ship": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": queue, "MessageBody.$": "$"},
                "ResultSelector": {"messageId.$": "$.MessageId"},
                "ResultPath": "$.sqs",
                "Next": "Notify",
            },
            "Notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {
                    "TopicArn": topic,
                    "Message.$": "States.Format('order {} shipped', $.orderId)",
                },
                "ResultSelector": {"messageId.$": "$.MessageId"},
                "ResultPath": "$.sns",
                "End": True,
            },
        },
    }
    out = output_of(runner.run(definition, {"orderId": "o-2"})[0])
    assert out["sqs"]["messageId"] and out["sns"]["messageId"]
    body = json.loads(sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"])
    assert body == {"orderId": "o-2"}
