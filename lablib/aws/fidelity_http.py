"""Loudness on the wire: a Front route that checks requests against the fidelity matrix.

``FidelityRoute(services)`` is added with ``local.front.add_route(route.matches, route)``.
Its matcher reads the request of a listed service (SigV4 signing name), finds the operation
in botocore's service model (X-Amz-Target for JSON, ``Action`` for query, method and path
for REST) and calls ``fidelity.check``. Nothing is served: the matcher answers False, so the
request goes on to the plugin or moto, except when ``LABLIB_STRICT=1`` refuses an ignored
parameter; then the route answers 400 in the service's own error shape, naming it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, unquote
from xml.sax.saxutils import escape

import botocore.session

from lablib.aws import fidelity
from lablib.aws.wsgi import json_object, read_body

StartResponse = Callable[..., Any]
Check = tuple[str, str, dict[str, Any]]
Extra = Callable[[str, str, dict[str, Any]], list[Check]]

# SigV4 signing name -> botocore service model name (where they differ).
MODEL_NAMES = {"states": "stepfunctions", "monitoring": "cloudwatch"}
# The error code each service uses for a bad parameter.
ERROR_CODES = {
    "lambda": "InvalidParameterValueException",
    "apigateway": "BadRequestException",
    "stepfunctions": "ValidationException",
    "codedeploy": "ValidationException",
    "events": "ValidationException",
    "logs": "InvalidParameterException",
    "cloudwatch": "InvalidParameterValue",
    "cloudformation": "ValidationError",
    "sns": "InvalidParameter",
    "s3": "InvalidArgument",
}
_REFUSAL = "lablib.fidelity.refusal"


def signing_service(environ: dict[str, Any]) -> str | None:
    """The model name of the service a SigV4-signed request is for (None: unsigned)."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    if "Credential=" not in auth:
        return None
    scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    if len(scope) < 5:
        return None
    return MODEL_NAMES.get(scope[3], scope[3])


@functools.cache
def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


@functools.cache
def _rest_routes(service: str) -> tuple[tuple[str, re.Pattern[str], dict[str, str], str], ...]:
    """(method, path pattern, required query, operation) for the matrix's operations."""
    model = _model(service)
    routes = []
    for operation in fidelity.load().get(service, {}):
        if operation not in model.operation_names:
            continue  # e.g. "UpdateStage:patch", a behaviour list
        http = model.operation_model(operation).http
        path, _, query = str(http["requestUri"]).partition("?")
        pattern = re.sub(
            r"\{([^}+]+)(\+?)\}",
            lambda m: f"(?P<{_group(m.group(1))}>{'.+' if m.group(2) else '[^/]+'})",
            re.escape(path).replace(r"\{", "{").replace(r"\}", "}"),
        )
        required = {k: v for k, _, v in (p.partition("=") for p in query.split("&") if p)}
        routes.append((str(http["method"]), re.compile(f"^{pattern}/?$"), required, operation))
    return tuple(routes)


def _group(label: str) -> str:
    return re.sub(r"\W", "_", label)


def _scalar(text: str) -> Any:
    return {"true": True, "false": False}.get(text, text)


def parse_request(service: str, environ: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(operation, {input member: value}) for a request the matrix lists, else None."""
    known = fidelity.load().get(service)
    if not known:
        return None
    model = _model(service)
    protocol = model.protocol
    if "cbor" in str(environ.get("CONTENT_TYPE", "")):
        return None  # botocore sends JSON to these services; CBOR is not decoded here
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target:
        operation = target.rsplit(".", 1)[-1]
        return (operation, json_object(read_body(environ))) if operation in known else None
    if protocol == "query" or "x-www-form-urlencoded" in str(environ.get("CONTENT_TYPE", "")):
        form = {k: v[0] for k, v in parse_qs(read_body(environ).decode("utf-8", "replace")).items()}
        operation = form.pop("Action", "")
        if operation not in known:
            return None
        params: dict[str, Any] = {}
        for key, value in form.items():
            top = key.split(".", 1)[0]
            params[top] = _scalar(value) if "." not in key else params.get(top) or value
        return operation, params
    if protocol in ("rest-json", "rest-xml"):
        return _rest(service, environ)
    return None


def _rest(service: str, environ: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    method = environ.get("REQUEST_METHOD", "")
    path = str(environ.get("PATH_INFO", ""))
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), True).items()}
    for verb, pattern, required, operation in _rest_routes(service):
        found = pattern.match(path) if verb == method else None
        if found is None or any(
            k not in query or (v and query[k] != v) for k, v in required.items()
        ):
            continue
        shape = _model(service).operation_model(operation).input_shape
        body = read_body(environ)
        payload = shape.serialization.get("payload")
        document = {} if payload or service == "s3" else json_object(body)
        labels = {k: unquote(v) for k, v in found.groupdict().items()}
        params: dict[str, Any] = {}
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if name == payload:
                params[name] = body
            elif location == "uri":
                params[name] = labels.get(_group(wire))
            elif location == "querystring":
                params[name] = query.get(wire)
            elif location == "header":
                params[name] = environ.get("HTTP_" + wire.upper().replace("-", "_"))
            elif location is None and wire in document:
                params[name] = document[wire]
        return operation, params
    return None


def refusal_response(
    service: str, exc: fidelity.NotSimulated, start_response: StartResponse
) -> Iterable[bytes]:
    """A 400 in the service's error shape, so boto3 raises ClientError with the message."""
    code = ERROR_CODES.get(service, "ValidationException")
    message = str(exc)
    protocol = _model(service).protocol
    headers = [("x-amzn-ErrorType", code)]
    if protocol in ("rest-json",):
        body = json.dumps({"Type": "User", "message": message}).encode()
        headers.append(("Content-Type", "application/json"))
    elif protocol == "rest-xml":
        body = (f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>").encode()
        headers.append(("Content-Type", "application/xml"))
    elif protocol == "query":
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{escape(message)}</Message>"
            "</Error><RequestId>lablib-fidelity</RequestId></ErrorResponse>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    else:  # JSON 1.0 / 1.1 (and services botocore talks JSON to)
        body = json.dumps({"__type": code, "message": message}).encode()
        headers.append(("Content-Type", "application/x-amz-json-1.1"))
    headers.append(("Content-Length", str(len(body))))
    start_response("400 Bad Request", headers)
    return [body]


class FidelityRoute:
    """Checks the matrix's operations of ``services``; answers only strict-mode refusals.

    ``extra(service, operation, params)`` may return more (service, operation, params)
    checks, e.g. API Gateway's UpdateStage patch paths."""

    def __init__(self, services: Iterable[str], extra: Extra | None = None) -> None:
        self.services = frozenset(services)
        self.extra = extra

    def matches(self, environ: dict[str, Any]) -> bool:
        service = signing_service(environ)
        if service not in self.services:
            return False
        try:
            parsed = parse_request(service, environ)
        except (ValueError, KeyError, UnicodeError):
            return False  # malformed requests are the service's to answer
        if parsed is None:
            return False
        operation, params = parsed
        checks: list[Check] = [(service, operation, params)]
        if self.extra is not None:
            checks += self.extra(service, operation, params)
        try:
            for checked_service, checked_operation, checked in checks:
                fidelity.check(checked_service, checked_operation, checked)
        except fidelity.NotSimulated as exc:
            environ[_REFUSAL] = (service, exc)
            return True
        return False

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        service, exc = environ[_REFUSAL]
        return refusal_response(service, exc, start_response)


def install(local: Any, services: Iterable[str], extra: Extra | None = None) -> FidelityRoute:
    """Add a FidelityRoute for ``services`` to ``local.front`` and return it."""
    route = FidelityRoute(services, extra)
    local.front.add_route(route.matches, route)
    return route
