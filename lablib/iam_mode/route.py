"""The learning-mode check, installed in front of moto as a route of the local AWS.

The route's ``matches`` evaluates each request that carries a function's credentials and
claims only the ones IAM would deny; its app answers those with the service's AccessDenied
error. Allowed calls never reach it, so they go on to the data planes and moto unchanged.
``/_lablib/iam-mode`` (GET, or POST {"enabled": bool}) reads or switches the mode.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from lablib.aws.moto_bridge import iam as bridge
from lablib.aws.wsgi import read_body
from lablib.iam_mode import CONTROL_PATH
from lablib.iam_mode.evaluator import evaluate
from lablib.iam_mode.requests import Call, describe

TOKEN_PREFIX = "lablib-function:"
StartResponse = Callable[..., Any]


class LearningMode:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    # -- the control endpoint ---------------------------------------------------------------
    @staticmethod
    def is_control(environ: dict[str, Any]) -> bool:
        return bool(environ.get("PATH_INFO") == CONTROL_PATH)

    def control(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            try:
                self.enabled = bool(json.loads(read_body(environ) or b"{}")["enabled"])
            except (ValueError, KeyError, TypeError):
                return _send(start_response, 400, {"message": 'send {"enabled": true} or false'})
        return _send(start_response, 200, {"enabled": self.enabled})

    # -- the check ------------------------------------------------------------------------
    def denies(self, environ: dict[str, Any]) -> bool:
        if not self.enabled:
            return False
        token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN", "")
        if not token.startswith(TOKEN_PREFIX):
            return False
        function_arn = token[len(TOKEN_PREFIX) :]
        parts = function_arn.split(":")
        if len(parts) < 7:
            return False
        region, account, name = parts[3], parts[4], parts[6]
        call = describe(environ, read_body(environ), account)
        if call is None:
            return False
        role = bridge.function_role(account, region, name)
        documents = bridge.role_policies(account, role) if role else None
        decision = evaluate(documents or [], call.action, call.resource)
        if decision.allowed:
            return False
        role_name = (role or "unknown").rsplit("/", 1)[-1]
        environ["lablib.denied"] = (call, account, role_name, name, decision.explicit_deny)
        return True

    def rejects_role(self, environ: dict[str, Any]) -> bool:
        """CreateFunction with a role Lambda may not assume (learning mode only)."""
        if not self.enabled or environ.get("REQUEST_METHOD") != "POST":
            return False
        if environ.get("PATH_INFO", "").rstrip("/") != "/2015-03-31/functions":
            return False
        try:
            role = str(json.loads(read_body(environ) or b"{}").get("Role") or "")
        except ValueError:
            return False
        parts = role.split(":")
        if len(parts) < 6:
            return False
        trust = bridge.role_trust_policy(parts[4], role)
        return trust is None or not trusts_lambda(trust)

    def role_error(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        headers = [("x-amzn-ErrorType", "InvalidParameterValueException")]
        text = "The role defined for the function cannot be assumed by Lambda."
        return _send(start_response, 400, {"Type": "User", "message": text}, headers)

    def deny(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        call, account, role_name, function, explicit = environ["lablib.denied"]
        return _access_denied(start_response, call, account, role_name, function, explicit)


def trusts_lambda(trust: dict[str, Any]) -> bool:
    """Whether a trust policy lets lambda.amazonaws.com call sts:AssumeRole."""
    statements = trust.get("Statement") or []
    for statement in [statements] if isinstance(statements, dict) else statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            continue
        principal = statement.get("Principal") or {}
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = [services] if isinstance(services, str) else services
        if "lambda.amazonaws.com" in services or principal == "*":
            return True
    return False


def message(call: Call, account: str, role_name: str, function: str, explicit: bool) -> str:
    """AWS's AccessDenied sentence for an assumed-role session of a Lambda function."""
    resource = f'"{call.resource}"' if call.service == "s3" else call.resource
    why = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else f"because no identity-based policy allows the {call.action} action"
    )
    return (
        f"User: arn:aws:sts::{account}:assumed-role/{role_name}/{function} is not authorized "
        f"to perform: {call.action} on resource: {resource} {why}"
    )


def _access_denied(
    start_response: StartResponse,
    call: Call,
    account: str,
    role_name: str,
    function: str,
    explicit: bool,
) -> Iterable[bytes]:
    text = message(call, account, role_name, function, explicit)
    request_id = str(uuid.uuid4())
    if call.protocol == "json":
        headers = [("x-amzn-ErrorType", "AccessDeniedException"), ("x-amzn-RequestId", request_id)]
        if call.service == "sqs":
            headers.append(("x-amzn-query-error", "AccessDenied;Sender"))
        return _send(
            start_response, 400, {"__type": "AccessDeniedException", "message": text}, headers
        )
    if call.protocol == "rest-json":
        headers = [("x-amzn-ErrorType", "AccessDeniedException"), ("x-amzn-RequestId", request_id)]
        return _send(start_response, 403, {"Type": "User", "Message": text}, headers)
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if call.protocol == "rest-xml":
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            f"<Message>{escaped}</Message><RequestId>{request_id}</RequestId></Error>"
        )
    else:
        code = "AuthorizationError" if call.service == "sns" else "AccessDenied"
        xml = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{escaped}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>"
        )
    data = xml.encode()
    start_response(
        "403 Forbidden",
        [("Content-Type", "application/xml"), ("Content-Length", str(len(data)))],
    )
    return [data]


def _send(
    start_response: StartResponse,
    status: int,
    payload: dict[str, Any],
    headers: list[tuple[str, str]] | None = None,
) -> Iterable[bytes]:
    data = json.dumps(payload).encode()
    reason = {200: "OK", 400: "Bad Request", 403: "Forbidden"}[status]
    start_response(
        f"{status} {reason}",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Content-Length", str(len(data))),
            *(headers or []),
        ],
    )
    return [data]


class _Installed:
    def __init__(self, mode: LearningMode) -> None:
        self.mode = mode

    def close(self) -> None:
        self.mode.enabled = False


def install(local: Any) -> _Installed:
    mode = LearningMode(os.environ.get("LABLIB_IAM_MODE", "0").lower() in ("1", "true", "on"))
    local.front.add_route(mode.denies, mode.deny)
    local.front.add_route(mode.rejects_role, mode.role_error)
    local.front.add_route(mode.is_control, mode.control)
    local.learning_mode = mode
    return _Installed(mode)
