"""Event source mappings: configuration-time checks (as AWS answers them) and the supervisor
that starts a poller for each mapping and lets it go when the mapping is deleted."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from lablib.aws.moto_bridge import event_sources as bridge
from lablib.events import filters

SYNC_INTERVAL_S = 0.05
FUNCTION_RESPONSE_TYPES = {"ReportBatchItemFailures"}
STARTING_POSITIONS = {"TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"}


class Poller(Protocol):
    alive: bool

    def stop(self) -> None: ...


def _service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 5 and arn.startswith("arn:") else ""


def validate(spec: dict[str, Any]) -> tuple[str, str] | None:
    """None, or (error code, message) for a CreateEventSourceMapping request."""
    arn = str(spec.get("EventSourceArn") or "")
    region = str(spec.get("RegionName") or "us-east-1")
    service = _service(arn)
    if service not in ("sqs", "kinesis", "dynamodb"):
        return None  # moto answers (unsupported source, missing parameters)
    if not bridge.stream_exists(arn):
        if service == "sqs":
            return (
                "InvalidParameterValueException",
                "Error occurred while ReceiveMessage. SQS Error Code: "
                "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified "
                f"queue does not exist or you do not have access to it. ({arn})",
            )
        return ("InvalidParameterValueException", f"Stream not found: {arn}")
    function = str(spec.get("FunctionName") or "")
    function_arn = bridge.function_arn(function, region)
    if function_arn is None:
        return None  # moto answers ResourceNotFoundException
    for existing in bridge.list_mappings():
        if existing["EventSourceArn"] == arn and existing["FunctionArn"] == function_arn:
            return (
                "ResourceConflictException",
                f'An event source mapping with {service.upper()} arn (" {arn} ") and function '
                f'(" {function} ") already exists. Please update or delete the existing '
                f"mapping with UUID {existing['UUID']}",
            )
    try:
        filters.patterns(spec.get("FilterCriteria"))
    except filters.PatternError as exc:
        return ("InvalidParameterValueException", f"Invalid filter pattern definition. ({exc})")
    return _check_numbers(spec, service, arn, function, region)


def _check_numbers(
    spec: dict[str, Any], service: str, arn: str, function: str, region: str
) -> tuple[str, str] | None:
    bad = "InvalidParameterValueException"
    fifo = service == "sqs" and arn.endswith(".fifo")
    batch = spec.get("BatchSize")
    window = spec.get("MaximumBatchingWindowInSeconds")
    limit = 10 if fifo else 10_000
    if batch is not None:
        batch = int(batch)
        if batch < 1 or batch > limit:
            return (
                "ValidationException",
                f"1 validation error detected: Value '{batch}' at 'batchSize' failed to satisfy "
                f"constraint: Member must have value {'greater than or equal to 1' if batch < 1 else f'less than or equal to {limit}'}",  # noqa: E501
            )
        if service == "sqs" and batch > 10 and not (window and int(window) > 0):
            return (
                bad,
                "Maximum batch window in seconds must be greater than 0 if maximum batch size "
                "is greater than 10",
            )
    if window is not None and not 0 <= int(window) <= 300:
        return (bad, "MaximumBatchingWindowInSeconds must be between 0 and 300 seconds")
    for value in spec.get("FunctionResponseTypes") or []:
        if value not in FUNCTION_RESPONSE_TYPES:
            return (bad, f"Unsupported FunctionResponseType {value!r}: use ReportBatchItemFailures")
    if service == "sqs":
        for key in (
            "StartingPosition",
            "DestinationConfig",
            "MaximumRetryAttempts",
            "BisectBatchOnFunctionError",
            "MaximumRecordAgeInSeconds",
        ):
            if spec.get(key) not in (None, {}, False):
                return (bad, f"Unsupported {key} parameter for given event source mapping type.")
        info = bridge.queue_info(arn) or {}
        timeout = bridge.function_timeout(function, region) or 3.0
        visibility = int(info.get("visibility_timeout", 30))
        if visibility < timeout:
            return (
                bad,
                f"Queue visibility timeout: {visibility} seconds is less than Function timeout: "
                f"{int(timeout)} seconds",
            )
        return None
    position = spec.get("StartingPosition")
    if position not in STARTING_POSITIONS:
        return (
            bad,
            "StartingPosition is required for Kinesis and DynamoDB Streams event sources: use "
            "TRIM_HORIZON, LATEST or AT_TIMESTAMP",
        )
    if position == "AT_TIMESTAMP" and service == "dynamodb":
        return (bad, "Unsupported starting position AT_TIMESTAMP for DynamoDB Streams")
    retries = spec.get("MaximumRetryAttempts")
    if retries is not None and not -1 <= int(retries) <= 10_000:
        return (bad, "MaximumRetryAttempts must be between -1 (infinite) and 10000")
    age = spec.get("MaximumRecordAgeInSeconds")
    if age is not None and int(age) != -1 and not 60 <= int(age) <= 604_800:
        return (bad, "MaximumRecordAgeInSeconds must be -1 (infinite) or between 60 and 604800")
    target = ((spec.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    if target and _service(target) not in ("sqs", "sns", "s3"):
        return (bad, f"Unsupported on-failure destination {target}: use an SQS queue or SNS topic")
    return None


class Supervisor:
    """Keeps one poller per mapping (pollers watch their own Enabled flag)."""

    def __init__(self, make_poller: Any) -> None:
        self._make = make_poller
        self.pollers: dict[str, Poller] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="esm-supervisor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(SYNC_INTERVAL_S):
            try:
                self.sync()
            except Exception as exc:  # keep supervising
                print(f"lablib: events: mapping supervisor: {exc!r}", flush=True)

    def sync(self) -> None:
        current = {m["UUID"]: m for m in bridge.list_mappings()}
        for uuid, poller in list(self.pollers.items()):
            if uuid not in current or not poller.alive:
                poller.stop()
                del self.pollers[uuid]
        for uuid, mapping in current.items():
            if uuid not in self.pollers and not self._stop.is_set():
                poller = self._make(mapping)
                if poller is not None:
                    self.pollers[uuid] = poller

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for poller in self.pollers.values():
            poller.stop()
        self.pollers.clear()
