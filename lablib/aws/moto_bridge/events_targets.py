"""moto internals: EventBridge rule targets moto does not deliver to (it raises, which reached
PutEvents callers as an HTML 500): SNS topics, Step Functions state machines (StartExecution)
and Kinesis streams, with ``Input``, ``InputPath`` and ``InputTransformer`` applied as AWS
does; a delivery that fails goes to the target's ``DeadLetterConfig`` queue (with AWS's
error attributes) or is reported in the server output, never raised into PutEvents.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import uuid
from typing import Any

from moto.kinesis.models import kinesis_backends
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

OURS = ("sns", "states", "kinesis")
MOTO = ("sqs", "logs", "events")


def handled_by_moto(target: dict[str, Any]) -> bool:
    parts = str(target.get("Arn", "")).split(":")
    return len(parts) > 2 and parts[2] in MOTO


def _shaped(target: dict[str, Any], event: dict[str, Any]) -> Any:
    if "Input" in target and target["Input"] is not None:
        return json.loads(target["Input"]) if isinstance(target["Input"], str) else target["Input"]
    if target.get("InputPath"):
        return _path(event, str(target["InputPath"]))
    transformer = target.get("InputTransformer")
    if transformer:
        return transform(transformer, event)
    return event


_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.-]+)>")


def _path(event: Any, path: str) -> Any:
    value = event
    for part in path.lstrip("$").strip(".").split("."):
        if part:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def transform(transformer: dict[str, Any], event: dict[str, Any]) -> Any:
    """AWS's input transformer: ``<name>`` placeholders filled from InputPathsMap; inside
    quotes a value goes in as text, outside as JSON (so a string gets its quotes)."""
    template = str(transformer.get("InputTemplate", ""))
    values = {k: _path(event, str(v)) for k, v in (transformer.get("InputPathsMap") or {}).items()}
    values.setdefault("aws.events.event", event)
    values.setdefault("aws.events.event.json", event)

    out: list[str] = []
    in_string = not template.lstrip().startswith(("{", "[", '"'))  # plain text: as text
    position = 0
    while position < len(template):
        char = template[position]
        found = _PLACEHOLDER.match(template, position) if char == "<" else None
        if found and found.group(1) in values:
            value = values[found.group(1)]
            if in_string:  # inside quotes: the text itself, escaped for JSON
                text = value if isinstance(value, str) else json.dumps(value)
                out.append(json.dumps(text)[1:-1])
            else:
                out.append(json.dumps(value))
            position = found.end()
            continue
        if char == "\\" and in_string:
            out.append(template[position : position + 2])
            position += 2
            continue
        if char == '"':
            in_string = not in_string
        out.append(char)
        position += 1
    filled = "".join(out)
    try:
        return json.loads(filled)
    except ValueError:
        return filled


def deliver(rule_arn: str, target: dict[str, Any], event: dict[str, Any]) -> None:
    """Deliver ``event`` to one target; failures go to its DLQ or the server output."""
    arn = str(target.get("Arn", ""))
    parts = arn.split(":")
    try:
        payload = _shaped(target, event)
        body = payload if isinstance(payload, str) else json.dumps(payload)
        service, account, region = parts[2], parts[4], parts[3]
        if service == "sns":
            sns_backends[account][region].publish(body, arn=arn)
        elif service == "states":
            stepfunctions_parser_backends[account][region].start_execution(
                arn, name=str(uuid.uuid4()), execution_input=body
            )
        elif service == "kinesis":
            stream = arn.split("/", 1)[-1]
            key_path = (target.get("KinesisParameters") or {}).get("PartitionKeyPath")
            key = str(_shaped({"InputPath": key_path}, event)) if key_path else str(event["id"])
            data = base64.b64encode(body.encode()).decode()  # as PutRecord receives it
            kinesis_backends[account][region].put_record(arn, stream, key, None, data)  # type: ignore[arg-type]
        else:
            raise ValueError(f"target service {service!r} is not supported by the local AWS")
    except Exception as exc:  # noqa: BLE001 - a failed delivery never fails PutEvents
        _dead_letter(rule_arn, target, event, exc)


def _dead_letter(
    rule_arn: str, target: dict[str, Any], event: dict[str, Any], exc: Exception
) -> None:
    dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
    reason = f"{type(exc).__name__}: {exc}"
    if not dlq:
        print(
            f"lablib: EventBridge could not deliver to {target.get('Arn')} ({reason}); "
            "give the target a DeadLetterConfig to keep such events",
            file=sys.stderr,
            flush=True,
        )
        return
    _, _, _, region, account, queue = dlq.split(":", 5)
    attributes = {
        "RULE_ARN": {"DataType": "String", "StringValue": rule_arn},
        "TARGET_ARN": {"DataType": "String", "StringValue": str(target.get("Arn"))},
        "ERROR_CODE": {"DataType": "String", "StringValue": "SDK_CLIENT_ERROR"},
        "ERROR_MESSAGE": {"DataType": "String", "StringValue": reason[:256]},
    }
    sqs_backends[account][region].send_message(
        queue_name=queue, message_body=json.dumps(event), message_attributes=attributes
    )
