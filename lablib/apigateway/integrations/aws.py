"""AWS service integrations against the local AWS through boto3: SQS SendMessage,
DynamoDB (any JSON action, e.g. PutItem, GetItem, Query) and Step Functions
StartExecution / StartSyncExecution. Responses are the service's JSON (SQS's too, where AWS
would send XML for a form-encoded request: a simplification the lab notes)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

from lablib.apigateway.context import Call, IntegrationResult
from lablib.apigateway.errors import GatewayError
from lablib.apigateway.integrations.uri import service_target, substitute
from lablib.apigateway.model import IntegrationSpec

_DDB = {
    "PutItem": "put_item",
    "GetItem": "get_item",
    "UpdateItem": "update_item",
    "DeleteItem": "delete_item",
    "Query": "query",
    "Scan": "scan",
    "BatchGetItem": "batch_get_item",
    "BatchWriteItem": "batch_write_item",
}
_STATES = {"StartExecution": "start_execution", "StartSyncExecution": "start_sync_execution"}
_SQS = {"SendMessage": "send_message"}
_SNS = {"Publish": "publish"}
_EVENTS = {"PutEvents": "put_events"}
_KINESIS = {"PutRecord": "put_record", "PutRecords": "put_records"}
_TABLES = {
    "sqs": _SQS,
    "dynamodb": _DDB,
    "states": _STATES,
    "sns": _SNS,
    "events": _EVENTS,
    "kinesis": _KINESIS,
}
_QUERY_PROTOCOL = {"sqs", "sns"}  # answers wrapped as <Action>Response.<Action>Result
_BOTO_NAMES = {"states": "stepfunctions"}  # ARN service name -> boto3 client name


class AwsIntegration:
    def __init__(self, local: Any) -> None:
        self.local = local
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> Any:
        with self._lock:
            found = self._clients.get((service, region))
            if found is None:
                import boto3

                found = boto3.client(
                    _BOTO_NAMES.get(service, service),
                    region_name=region,
                    endpoint_url=self.local.endpoint,
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                )
                self._clients[(service, region)] = found
            return found

    def call(self, call: Call, integration: IntegrationSpec, body: bytes) -> IntegrationResult:
        uri = substitute(integration.uri, call.variables)
        region, service, kind, rest = service_target(uri)
        params = _params(body)
        if kind == "action":
            action = rest.split("&", 1)[0]
        else:
            action = str(params.pop("Action", ""))
        table = _TABLES.get(service)
        if table is None or action not in table:
            raise GatewayError(
                "API_CONFIGURATION_ERROR",
                f"Execution failed due to configuration error: AWS service integration "
                f"{service}:{action or rest} is not simulated (supported: SQS SendMessage, "
                f"SNS Publish, EventBridge PutEvents, Kinesis PutRecord/PutRecords, "
                f"DynamoDB {', '.join(_DDB)}, Step Functions {', '.join(_STATES)})",
            )
        if service == "kinesis":
            _decode_kinesis_data(params)
        if service == "sns":
            params.pop("Action", None)
            params.pop("Version", None)
        if service == "sqs":
            params.pop("Action", None)
            params.pop("Version", None)
            if kind == "path" and "QueueUrl" not in params:
                account, _, queue = rest.partition("/")
                params["QueueUrl"] = self.client("sqs", region).get_queue_url(
                    QueueName=queue.strip("/"), QueueOwnerAWSAccountId=account
                )["QueueUrl"]
        call.info(f"Endpoint request URI: {uri} ({action})")
        began = time.perf_counter()
        from botocore.exceptions import ClientError, ParamValidationError

        try:
            answer = getattr(self.client(service, region), table[action])(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 400)
            payload = {"__type": error.get("Code"), "message": error.get("Message")}
            return IntegrationResult(status, json.dumps(payload).encode())
        except ParamValidationError as exc:
            payload = {"__type": "ValidationException", "message": str(exc)}
            return IntegrationResult(400, json.dumps(payload).encode())
        finally:
            call.integration_latency_ms = (time.perf_counter() - began) * 1000
        meta = answer.pop("ResponseMetadata", None) or {}
        if service in _QUERY_PROTOCOL:  # what API Gateway hands the response template
            answer = {
                f"{action}Response": {
                    f"{action}Result": answer,
                    "ResponseMetadata": {"RequestId": meta.get("RequestId", call.request_id)},
                }
            }
        return IntegrationResult(200, json.dumps(answer, default=str).encode())


def _decode_kinesis_data(params: dict[str, Any]) -> None:
    """Kinesis takes Data base64-encoded on the wire (templates use $util.base64Encode);
    boto3 encodes bytes itself, so hand it the decoded bytes."""
    import base64
    import binascii

    listed = params.get("Records")
    records: list[Any] = listed if isinstance(listed, list) else [params]
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("Data"), str):
            try:
                record["Data"] = base64.b64decode(record["Data"], validate=True)
            except (binascii.Error, ValueError):
                record["Data"] = record["Data"].encode()


def _params(body: bytes) -> dict[str, Any]:
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            raise GatewayError(
                "API_CONFIGURATION_ERROR",
                "Execution failed due to configuration error: the request template did not "
                "render valid JSON for the AWS service call",
            ) from None
        return value if isinstance(value, dict) else {}
    return dict(parse_qsl(text, keep_blank_values=True))
