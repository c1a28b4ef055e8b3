"""Lambda's control plane responses as AWS sends them, around moto's.

- A change AWS would refuse now is refused before moto sees it: a second update while one is
  in progress (409 ``ResourceConflictException``), a stale ``RevisionId`` (412
  ``PreconditionFailedException``), a ``CodeSha256`` that is not $LATEST's (400).
- Error bodies carry AWS's top-level ``Type`` and ``Message`` (``message`` for 4xx other than
  not-found, as AWS spells it).
- Alias calls answer with AWS's status codes (GetAlias/UpdateAlias 200, DeleteAlias 204),
  an emptied ``RoutingConfig`` is left out, and ListAliases honours ``FunctionVersion``.
- ListVersionsByFunction and ListFunctions items carry no state fields, as on AWS.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, unquote

from lablib.aws import moto_bridge

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_FUNCTION = r"^/2015-03-31/functions/(?P<name>[^/]+)"
_CHANGES = (
    ("PUT", re.compile(_FUNCTION + r"/code$"), "UpdateFunctionCode"),
    ("PUT", re.compile(_FUNCTION + r"/configuration$"), "UpdateFunctionConfiguration"),
    ("POST", re.compile(_FUNCTION + r"/versions$"), "PublishVersion"),
)
_ALIAS = re.compile(_FUNCTION + r"/aliases/[^/]+$")
_ALIASES = re.compile(_FUNCTION + r"/aliases/?$")
_LISTS = (re.compile(_FUNCTION + r"/versions$"), re.compile(r"^/2015-03-31/functions/?$"))
_MAPPING = re.compile(r"^/2015-03-31/event-source-mappings/[^/]+$")
_MAPPINGS = re.compile(r"^/2015-03-31/event-source-mappings/?$")
# What AWS returns for a stream mapping (Kinesis, DynamoDB Streams) when not given.
_STREAM_DEFAULTS: dict[str, Any] = {
    "BisectBatchOnFunctionError": False,
    "DestinationConfig": {"OnFailure": {}},
    "FunctionResponseTypes": [],
    "LastProcessingResult": "No records processed",
    "MaximumBatchingWindowInSeconds": 0,
    "MaximumRecordAgeInSeconds": -1,
    "MaximumRetryAttempts": -1,
    "ParallelizationFactor": 1,
    "TumblingWindowInSeconds": 0,
}
_QUEUE_KEYS = {
    "BatchSize", "EventSourceArn", "EventSourceMappingArn", "FunctionArn", "FunctionResponseTypes",
    "LastModified", "MaximumBatchingWindowInSeconds", "State", "StateTransitionReason", "UUID",
    "ScalingConfig", "FilterCriteria", "Tags", "MetricsConfig", "KMSKeyArn",
}  # fmt: skip
# A new mapping is Creating for this long (real seconds), then Enabled, as AWS reports it.
CREATING_S = 0.5
_created: dict[str, float] = {}
_GET_FUNCTION = re.compile(_FUNCTION + r"(?:/configuration)?$")
_STATE_FIELDS = (
    "State",
    "StateReason",
    "StateReasonCode",
    "LastUpdateStatus",
    "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode",
    "RuntimeVersionConfig",
)
_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}


def refusal(
    method: str, path: str, region: str, body: dict[str, Any]
) -> tuple[int, str, str] | None:
    if method == "PUT" and _MAPPING.match(path):
        return _mapping_update_refusal(region, path.rsplit("/", 1)[1], body)
    for verb, pattern, operation in _CHANGES:
        match = pattern.match(path) if method == verb else None
        if match:
            name = moto_bridge.split_name(unquote(match.group("name")), None)[0]
            return moto_bridge.check_change(moto_bridge.ACCOUNT_ID, region, name, operation, body)
    return None


def _mapping_update_refusal(
    region: str, uuid: str, body: dict[str, Any]
) -> tuple[int, str, str] | None:
    """UpdateEventSourceMapping checks the result as CreateEventSourceMapping does."""
    from lablib.aws.moto_bridge import event_sources as bridge_events

    current = bridge_events.get_mapping(region, uuid)
    if current is None or ":sqs:" not in str(current.get("EventSourceArn")):
        return None
    batch = int(body.get("BatchSize") or current.get("BatchSize") or 10)
    window = body.get("MaximumBatchingWindowInSeconds")
    if window is None:
        window = current.get("MaximumBatchingWindowInSeconds") or 0
    if batch > 10 and int(window) <= 0:
        return (
            400,
            "InvalidParameterValueException",
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
            "greater than 10",
        )
    return None


def reshape(
    app: WSGIApp, environ: dict[str, Any], start_response: StartResponse, method: str, path: str
) -> Iterable[bytes]:
    """Call moto's app and reshape its answer as AWS's."""
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    raw = b"".join(app(environ, capture))
    status = int(str(captured["status"]).split()[0])
    headers: list[tuple[str, str]] = list(captured["headers"])
    new_status, new_raw = _shape(status, headers, raw, method, path, environ)
    if new_status != status or new_raw is not raw:
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(new_raw))))
    start_response(f"{new_status} {_REASONS.get(new_status, 'Error')}", headers)
    return [new_raw]


def _shape(
    status: int,
    headers: list[tuple[str, str]],
    raw: bytes,
    method: str,
    path: str,
    environ: dict[str, Any],
) -> tuple[int, bytes]:
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        return status, raw
    if status >= 400:
        code = next((v for k, v in headers if k.lower() == "x-amzn-errortype"), "")
        if not code and isinstance(body, dict):
            code = str(body.get("__type") or body.get("Type") or "").split("#")[-1]
            headers.append(("x-amzn-ErrorType", code))
        return status, json.dumps(error_body(str(code).split(":")[0], body)).encode()
    if not isinstance(body, dict):
        return status, raw
    if _MAPPING.match(path) and method in ("PUT", "DELETE") and not body:
        message = {"Message": "The resource you requested does not exist."}
        headers.append(("x-amzn-ErrorType", "ResourceNotFoundException"))
        return 404, json.dumps(error_body("ResourceNotFoundException", message)).encode()
    if _MAPPING.match(path) or _MAPPINGS.match(path):
        if method == "POST":
            _created[str(body.get("UUID"))] = time.monotonic()
            status = 202
        for config in body.get("EventSourceMappings") or [body]:
            mapping_shape(config, creating=method == "POST")
        return status, json.dumps(body).encode()
    match = _GET_FUNCTION.match(path) if method == "GET" else None
    if match:
        return status, _alias_arn(body, match.group("name"), environ)
    if _ALIAS.match(path):
        _drop_empty_routing(body)
        if method == "GET" or method == "PUT":
            status = 200
        elif method == "DELETE":
            return 204, b""
        return status, json.dumps(body).encode()
    if _ALIASES.match(path) and method == "GET":
        wanted = parse_qs(environ.get("QUERY_STRING", "")).get("FunctionVersion", [None])[0]
        aliases = [
            a for a in body.get("Aliases", []) if not wanted or a.get("FunctionVersion") == wanted
        ]
        for alias in aliases:
            _drop_empty_routing(alias)
        body["Aliases"] = aliases
        return status, json.dumps(body).encode()
    if method == "GET" and any(p.match(path) for p in _LISTS):
        for item in body.get("Versions") or body.get("Functions") or []:
            for key in _STATE_FIELDS:
                item.pop(key, None)
        return status, json.dumps(body).encode()
    return status, raw


def mapping_shape(config: dict[str, Any], creating: bool = False) -> None:
    """An event source mapping as AWS shows it: Creating at first, AWS's reason words, the
    stream defaults, and only the fields AWS returns for a queue."""
    arn = str(config.get("EventSourceArn") or "")
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    since = _created.get(str(config.get("UUID")))
    young = since is not None and time.monotonic() - since < CREATING_S
    if config.get("State") == "Enabled" and (creating or young):
        config["State"] = "Creating"
    if service == "sqs":
        config["StateTransitionReason"] = "USER_INITIATED"
        config.setdefault("FunctionResponseTypes", [])
        config.setdefault("MaximumBatchingWindowInSeconds", 0)
        for key in list(config):
            if key not in _QUEUE_KEYS:
                config.pop(key)
    elif service in ("kinesis", "dynamodb"):
        config["StateTransitionReason"] = "User action"
        for key, value in _STREAM_DEFAULTS.items():
            if config.get(key) is None:
                config[key] = json.loads(json.dumps(value))


def _alias_arn(body: dict[str, Any], name: str, environ: dict[str, Any]) -> bytes:
    """GetFunction through an alias shows the alias's ARN, as on AWS."""
    qualifier = parse_qs(environ.get("QUERY_STRING", "")).get("Qualifier", [None])[0]
    tail = unquote(name).split(":function:")[-1]
    if ":" in tail:
        qualifier = tail.split(":", 1)[1]
    config = body.get("Configuration", body)
    arn = config.get("FunctionArn") if isinstance(config, dict) else None
    if qualifier and qualifier != "$LATEST" and not qualifier.isdigit() and arn:
        config["FunctionArn"] = arn.rsplit(":", 1)[0] + ":" + qualifier
    return json.dumps(body).encode()


def _drop_empty_routing(alias: dict[str, Any]) -> None:
    routing = alias.get("RoutingConfig")
    if isinstance(routing, dict) and not routing.get("AdditionalVersionWeights"):
        alias.pop("RoutingConfig", None)


def error_body(code: str, body: Any) -> dict[str, Any]:
    """AWS's error body: ``Type`` and the message (``Message`` for not-found)."""
    message = ""
    if isinstance(body, dict):
        message = str(body.get("Message") or body.get("message") or "")
    key = "Message" if code == "ResourceNotFoundException" else "message"
    return {"Type": "User", key: message}
