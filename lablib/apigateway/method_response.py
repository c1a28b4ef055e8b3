"""Step 9: the method response. For Lambda proxy integrations, validate the function's
answer (``{statusCode, headers, multiValueHeaders, body: str, isBase64Encoded}``); anything
else is a 502. Every response gets API Gateway's own headers."""

from __future__ import annotations

import base64
import json
from typing import Any

from lablib.apigateway.context import Call, Response
from lablib.apigateway.errors import GatewayError

PROXY_KEYS = frozenset(
    {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}
)


def _malformed(why: str) -> GatewayError:
    return GatewayError(
        "BAD_GATEWAY",
        f"Execution failed due to configuration error: Malformed Lambda proxy response ({why})",
    )


def from_proxy(payload: bytes, binary: bool = False) -> Response:
    """A Lambda proxy answer as the client's response. A base64 body (``isBase64Encoded``)
    is decoded only when ``binary``: the API lists a binaryMediaTypes entry matching the
    request's (first) Accept type. Otherwise the client gets the base64 text, as on AWS."""
    try:
        answer: Any = json.loads(payload or b"null")
    except ValueError:
        raise _malformed("not JSON") from None
    if not isinstance(answer, dict):
        raise _malformed(f"expected a JSON object, got {type(answer).__name__}")
    if not PROXY_KEYS.issuperset(answer):
        extra = sorted(set(answer) - PROXY_KEYS)
        raise _malformed(
            f"unexpected keys {extra}; allowed: statusCode, headers, "
            "multiValueHeaders, body, isBase64Encoded"
        )
    status = answer.get("statusCode", 200)
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise _malformed(f"statusCode must be an integer HTTP status, got {status!r}")
    body = answer.get("body")
    if body is not None and not isinstance(body, str):
        raise _malformed(f"body must be a string (use json.dumps), got {type(body).__name__}")
    headers = answer.get("headers") or {}
    multi = answer.get("multiValueHeaders") or {}
    if not isinstance(headers, dict) or not isinstance(multi, dict):
        raise _malformed("headers and multiValueHeaders must be objects")
    out: list[tuple[str, str]] = []
    for key, value in headers.items():
        if isinstance(value, (dict, list)):
            raise _malformed(f"header {key!r} must be a string")
        out.append((str(key), _scalar(value)))
    for key, values in multi.items():
        if not isinstance(values, list):
            raise _malformed(f"multiValueHeaders[{key!r}] must be a list")
        out.extend((str(key), _scalar(v)) for v in values)
    raw = (body or "").encode()
    if answer.get("isBase64Encoded") and body and binary:
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError:
            raise _malformed("isBase64Encoded is true but body is not base64") from None
    if not any(k.lower() == "content-type" for k, _ in out):
        out.append(("Content-Type", "application/json"))
    return Response(status, out, raw)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def finish(call: Call, response: Response) -> Response:
    response.headers.append(("x-amzn-RequestId", call.request_id))
    response.headers.append(("x-amz-apigw-id", call.request_id[:16]))
    trace = call.request.header("X-Amzn-Trace-Id")
    if trace:
        response.headers.append(("X-Amzn-Trace-Id", trace))
    return response
