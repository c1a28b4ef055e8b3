"""DynamoDB Streams records with Binary attributes reach the handler (no loss): B, BS and
binary values nested in M and L arrive base64-encoded, as AWS sends them, and SizeBytes
follows DynamoDB's item size rule."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.events.conftest import drain_queue, unique, wait_for


def test_binary_attributes_arrive_base64(clients: Any, handler_code: Any) -> None:
    out = clients.sqs.create_queue(QueueName=unique("bin-out"))["QueueUrl"]
    code = (
        "import json, os, boto3\nsqs = boto3.client('sqs')\n"
        "def handler(event, context):\n"
        "    for r in event['Records']:\n"
        "        sqs.send_message(QueueUrl=os.environ['OUT'], MessageBody=json.dumps(r))\n"
    )
    fn = handler_code(code, Environment={"Variables": {"OUT": out}})
    table = unique("blobs")
    desc = clients.ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    stream = desc["TableDescription"]["LatestStreamArn"]
    clients.lam.create_event_source_mapping(
        EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON"
    )
    clients.ddb.put_item(
        TableName=table,
        Item={
            "pk": {"S": "a"},
            "blob": {"B": b"\x00\xffbin"},
            "blobs": {"BS": [b"one", b"two"]},
            "nested": {"M": {"inner": {"B": b"deep"}, "list": {"L": [{"B": b"x"}]}}},
        },
    )
    clients.ddb.put_item(TableName=table, Item={"pk": {"S": "b"}, "after": {"S": "next"}})
    got: list[Any] = []
    wait_for(
        lambda: (
            len(got.__iadd__([json.loads(m["Body"]) for m in drain_queue(clients.sqs, out)])) >= 2
        )
    )
    image = got[0]["dynamodb"]["NewImage"]
    assert image["blob"] == {"B": base64.b64encode(b"\x00\xffbin").decode()}
    assert sorted(image["blobs"]["BS"]) == sorted(
        base64.b64encode(v).decode() for v in (b"one", b"two")
    )
    assert image["nested"]["M"]["inner"] == {"B": base64.b64encode(b"deep").decode()}
    assert image["nested"]["M"]["list"]["L"] == [{"B": base64.b64encode(b"x").decode()}]
    # The shard was not blocked: the record after the binary one arrived too.
    assert got[1]["dynamodb"]["Keys"] == {"pk": {"S": "b"}}
    # SizeBytes: names plus values of Keys and NewImage ("pk"+"b") + ("pk"+"b"+"after"+"next")
    assert got[1]["dynamodb"]["SizeBytes"] == 3 + 3 + 9
