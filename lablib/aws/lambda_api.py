"""Lambda's data plane over HTTP: Invoke (sync, Event, DryRun) served in front of moto,
and delivery of asynchronous outcomes to dead-letter queues and destinations."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from lablib.aws import moto_bridge
from lablib.aws.clock import LabClock
from lablib.runtime.async_queue import PER_FUNCTION_WORKERS, AsyncEvent, AsyncQueue
from lablib.runtime.model import (
    MAX_ASYNC_PAYLOAD,
    MAX_SYNC_PAYLOAD,
    FunctionConfig,
    InvokeResult,
    RuntimeUnavailable,
    ServiceError,
    Throttled,
)
from lablib.runtime.scheduler import Scheduler

StartResponse = Callable[..., Any]
INVOKE_PREFIX = "/2015-03-31/functions/"
DEFAULT_MAX_EVENT_AGE_S = 21600.0
DEFAULT_RETRIES = 2


def region_of(environ: dict[str, Any]) -> str:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    marker = "Credential="
    if marker in auth:
        parts = auth.split(marker, 1)[1].split(",", 1)[0].split("/")
        if len(parts) >= 3:
            return str(parts[2])
    return "us-east-1"


def error(
    start_response: StartResponse, status: int, code: str, message: str, **extra: Any
) -> list[bytes]:
    kind = "Service" if status >= 500 else "User"
    key = "Message" if code == "ResourceNotFoundException" else "message"
    body = json.dumps({"Type": kind, key: message, **extra}).encode()
    reasons = {
        400: "Bad Request",
        404: "Not Found",
        413: "Request Entity Too Large",
        429: "Too Many Requests",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }
    start_response(
        f"{status} {reasons.get(status, 'Error')}",
        [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


class LambdaDataPlane:
    def __init__(
        self, scheduler: Scheduler, clock: LabClock, endpoint: str, report_dir: Path | None = None
    ) -> None:
        self.scheduler = scheduler
        self.clock = clock
        self.endpoint = endpoint
        self.queue = AsyncQueue(
            clock,
            self._async_attempt,
            self._async_settings,
            self._finish,
            key=self._async_key,
            limit=self._async_limit,
            report_dir=report_dir,
        )
        self._clients: dict[tuple[str, str], Any] = {}

    # -- in-process API for other data planes (API Gateway, event sources, ...) ------------
    def invoke(
        self,
        function: str,
        payload: bytes,
        qualifier: str | None = None,
        region: str = "us-east-1",
        tail: bool = False,
    ) -> InvokeResult:
        """Synchronous invoke. Raises ResolveError (no such function/qualifier), Throttled,
        or RuntimeUnavailable; a function error is a result with ``function_error`` set."""
        account = moto_bridge.ACCOUNT_ID
        fn, qualifier = moto_bridge.resolve_function(account, region, function, qualifier)
        return self.invoke_resolved(fn, qualifier, payload, tail)

    def invoke_resolved(
        self, fn: FunctionConfig, qualifier: str | None, payload: bytes, tail: bool = False
    ) -> InvokeResult:
        """``invoke`` of a function version already resolved (``moto_bridge.resolve_function``)."""
        invoked_arn = fn.unqualified_arn + (f":{qualifier}" if qualifier else "")
        try:
            return self.scheduler.invoke(fn, payload or b"{}", invoked_arn, qualifier, None, tail)
        except Throttled:
            self.scheduler.record_throttle(fn, qualifier)
            raise

    def invoke_async(
        self,
        function: str,
        payload: bytes,
        qualifier: str | None = None,
        region: str = "us-east-1",
    ) -> str:
        """Queue an asynchronous invoke (retries, DLQ, destinations apply); returns its
        request id. Raises ResolveError when the function does not exist."""
        account = moto_bridge.ACCOUNT_ID
        moto_bridge.resolve_function(account, region, function, qualifier)
        request_id = str(uuid.uuid4())
        self.queue.put(
            AsyncEvent(request_id, function, qualifier, payload, account, region, self.clock.now())
        )
        return request_id

    # -- HTTP ------------------------------------------------------------------------------
    @staticmethod
    def matches(environ: dict[str, Any]) -> bool:
        path: str = environ.get("PATH_INFO", "")
        return (
            environ.get("REQUEST_METHOD") == "POST"
            and path.startswith(INVOKE_PREFIX)
            and path.endswith("/invocations")
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ["PATH_INFO"]
        name = unquote(path[len(INVOKE_PREFIX) : -len("/invocations")])
        query = parse_qs(environ.get("QUERY_STRING", ""))
        qualifier = query.get("Qualifier", [None])[0]
        kind = environ.get("HTTP_X_AMZ_INVOCATION_TYPE", "RequestResponse")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        payload = environ["wsgi.input"].read(length) if length else b""
        region = region_of(environ)
        account = moto_bridge.ACCOUNT_ID
        try:
            fn, qualifier = moto_bridge.resolve_function(account, region, name, qualifier)
        except moto_bridge.ResolveError as exc:
            return error(start_response, exc.status, exc.code, exc.message)
        limit = MAX_ASYNC_PAYLOAD if kind == "Event" else MAX_SYNC_PAYLOAD
        if len(payload) > limit:  # AWS's code and words for each invocation type
            return error(
                start_response,
                413,
                "RequestEntityTooLargeException",
                f"{len(payload)} byte payload is too large for the Event invocation type "
                f"(limit {limit} bytes)"
                if kind == "Event"
                else f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
            )
        if payload.strip():
            try:
                json.loads(payload)
            except (ValueError, RecursionError) as exc:
                return error(
                    start_response,
                    400,
                    "InvalidRequestContentException",
                    f"Could not parse request body into json: Could not parse payload "
                    f"into json: {exc}",
                )
        else:
            payload = b"{}"
        request_id = str(uuid.uuid4())
        if kind == "DryRun":
            start_response("204 No Content", [("x-amzn-RequestId", request_id)])
            return [b""]
        if kind == "Event":
            event = AsyncEvent(
                request_id, name, qualifier, payload, account, region, self.clock.now()
            )
            self.queue.put(event)
            start_response(
                "202 Accepted", [("x-amzn-RequestId", request_id), ("Content-Length", "0")]
            )
            return [b""]
        if kind != "RequestResponse":
            return error(
                start_response,
                400,
                "InvalidParameterValueException",
                f"Unsupported InvocationType {kind!r}: use RequestResponse, Event or DryRun",
            )  # noqa: E501
        client_context = environ.get("HTTP_X_AMZ_CLIENT_CONTEXT")
        if client_context:
            try:
                client_context = base64.b64decode(client_context).decode()
            except ValueError:
                return error(
                    start_response,
                    400,
                    "InvalidRequestContentException",
                    "Client context must be a valid Base64-encoded JSON object.",
                )
        tail = environ.get("HTTP_X_AMZ_LOG_TYPE") == "Tail"
        invoked_arn = fn.unqualified_arn + (f":{qualifier}" if qualifier else "")
        try:
            result = self.scheduler.invoke(
                fn, payload, invoked_arn, qualifier, client_context, tail, request_id
            )
        except Throttled as exc:
            self.scheduler.record_throttle(fn, qualifier)
            return error(
                start_response,
                429,
                "TooManyRequestsException",
                exc.message,
                Reason=exc.reason,
                retryAfterSeconds="1",
            )
        except RuntimeUnavailable as exc:
            return error(start_response, 502, "InvalidRuntimeException", str(exc))
        except ServiceError as exc:
            return error(start_response, 500, "ServiceException", str(exc))
        headers = [
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", result.request_id),
            ("X-Amz-Executed-Version", result.executed_version),
            ("Content-Length", str(len(result.payload))),
        ]
        if result.function_error:
            headers.append(("X-Amz-Function-Error", result.function_error))
        if result.log_tail is not None:
            headers.append(("X-Amz-Log-Result", result.log_tail))
        start_response("200 OK", headers)
        return [result.payload]

    # -- asynchronous invocation ------------------------------------------------------------
    def _async_settings(self, event: AsyncEvent) -> tuple[int, float]:
        name, _, _ = moto_bridge.split_name(event.function, event.qualifier)
        config = moto_bridge.event_invoke_config(event.account, event.region, name)
        return (
            int(config.get("MaximumRetryAttempts", DEFAULT_RETRIES)),
            float(config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_S)),
        )

    @staticmethod
    def _async_key(event: AsyncEvent) -> str:
        """Asynchronous work is shared out per function (AWS scales it per function)."""
        return f"{event.region}:{moto_bridge.split_name(event.function, event.qualifier)[0]}"

    @staticmethod
    def _async_limit(event: AsyncEvent) -> int:
        """At most PER_FUNCTION_WORKERS attempts of one function at once, fewer when its
        reserved concurrency is lower (0 reserved: one attempt, which reports it)."""
        fn, _ = moto_bridge.resolve_function(
            event.account, event.region, event.function, event.qualifier
        )
        if fn.reserved_concurrency is None:
            return PER_FUNCTION_WORKERS
        return max(1, min(PER_FUNCTION_WORKERS, fn.reserved_concurrency))

    def _async_attempt(self, event: AsyncEvent) -> InvokeResult:
        fn, qualifier = moto_bridge.resolve_function(
            event.account, event.region, event.function, event.qualifier
        )
        event.meta["fn"] = fn
        if fn.reserved_concurrency == 0:
            raise Throttled("ZeroReservedConcurrency", "Rate Exceeded.")
        invoked_arn = fn.unqualified_arn + (f":{qualifier}" if qualifier else "")
        try:
            return self.scheduler.invoke(
                fn, event.payload, invoked_arn, qualifier, request_id=event.request_id
            )
        except Throttled:
            self.scheduler.record_throttle(fn, qualifier)
            raise

    def _finish(self, event: AsyncEvent, result: InvokeResult | None, condition: str) -> None:
        name, _, _ = moto_bridge.split_name(event.function, event.qualifier)
        config = moto_bridge.event_invoke_config(event.account, event.region, name)
        destinations = config.get("DestinationConfig") or {}
        fn = event.meta.get("fn")
        version = result.executed_version if result else (fn.version if fn else "$LATEST")
        arn = (fn.unqualified_arn if fn else name) + f":{version}"
        if condition == "Success":
            target = (destinations.get("OnSuccess") or {}).get("Destination")
        else:
            target = (destinations.get("OnFailure") or {}).get("Destination")
            dlq = moto_bridge.dead_letter_target(event.account, event.region, name, version)
            if dlq:
                self._send_dead_letter(event, dlq, result, condition)
        if target:
            record = destination_record(event, arn, result, condition)
            self._deliver(event, target, record)

    def _client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            import boto3

            self._clients[key] = boto3.client(
                service,
                region_name=region,
                endpoint_url=self.endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return self._clients[key]

    def _send_dead_letter(
        self, event: AsyncEvent, target: str, result: InvokeResult | None, condition: str
    ) -> None:
        message = _error_message(result, condition)
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": event.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": message[:1024]},
        }
        body = event.payload.decode("utf-8", "replace")
        try:
            if ":sqs:" in target:
                sqs = self._client("sqs", target.split(":")[3])
                url = sqs.get_queue_url(QueueName=target.split(":")[5])["QueueUrl"]
                sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
            elif ":sns:" in target:
                self._client("sns", target.split(":")[3]).publish(
                    TopicArn=target, Message=body, MessageAttributes=attributes
                )
        except Exception as exc:
            self._metric(event, "DeadLetterErrors")
            print(f"lablib: could not deliver to the dead-letter queue {target}: {exc}", flush=True)

    def _deliver(self, event: AsyncEvent, target: str, record: dict[str, Any]) -> None:
        body = json.dumps(record)
        region = target.split(":")[3] if target.count(":") >= 5 else event.region
        try:
            if ":sqs:" in target:
                sqs = self._client("sqs", region)
                url = sqs.get_queue_url(QueueName=target.split(":")[5])["QueueUrl"]
                sqs.send_message(QueueUrl=url, MessageBody=body)
            elif ":sns:" in target:
                self._client("sns", region).publish(TopicArn=target, Message=body)
            elif ":lambda:" in target:
                self._client("lambda", region).invoke(
                    FunctionName=target, InvocationType="Event", Payload=body.encode()
                )
            elif ":events:" in target:
                self._client("events", region).put_events(
                    Entries=[
                        {
                            "Source": "lambda",
                            "EventBusName": target,
                            "DetailType": "Lambda Function Invocation Result - " + _outcome(record),
                            "Detail": body,
                        }
                    ]
                )
        except Exception as exc:
            self._metric(event, "DestinationDeliveryFailures")
            print(f"lablib: could not deliver to the destination {target}: {exc}", flush=True)

    def _metric(self, event: AsyncEvent, name: str) -> None:
        fn = event.meta.get("fn")
        if fn is not None:
            from lablib.runtime import telemetry as tel

            self.scheduler.telemetry.metrics(
                fn, tel.lambda_metrics(fn, None, fn.version, {name: (1.0, "Count")})
            )

    def close(self, drain_seconds: float, report_dir: Any) -> int:
        return self.queue.close(drain_seconds, report_dir)


def _outcome(record: dict[str, Any]) -> str:
    return "Success" if record["requestContext"]["condition"] == "Success" else "Failure"


def _error_message(result: InvokeResult | None, condition: str) -> str:
    if result is None:
        return {
            "EventAgeExceeded": "Event age exceeded the function's maximum event age",
            "ZeroReservedConcurrency": "The function's reserved concurrency is 0",
        }.get(condition, condition)
    try:
        parsed = json.loads(result.payload)
        return str(parsed.get("errorMessage", ""))
    except (ValueError, AttributeError):
        return result.payload.decode("utf-8", "replace")


def destination_record(
    event: AsyncEvent, function_arn: str, result: InvokeResult | None, condition: str
) -> dict[str, Any]:
    """The invocation record AWS sends to an asynchronous destination."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        + f".{int(time.time() * 1000) % 1000:03d}Z",
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": max(event.attempts, 0 if result is None else 1),
        },
        "requestPayload": json.loads(event.payload or b"{}"),
    }
    if result is not None:
        record["responseContext"] = {
            "statusCode": 200,
            "executedVersion": result.executed_version,
        }
        if result.function_error:
            record["responseContext"]["functionError"] = result.function_error
        try:
            record["responsePayload"] = json.loads(result.payload) if result.payload else None
        except ValueError:
            record["responsePayload"] = result.payload.decode("utf-8", "replace")
    return record
