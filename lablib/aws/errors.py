"""AWS-shaped errors for requests that fail before (or outside) any service's own handling.

A learner must never see werkzeug's HTML error page: a malformed request gets a 400 and an
unexpected failure a 500, each in the error shape of the protocol the request used (Lambda's
REST-JSON, the JSON protocol of ``X-Amz-Target`` services, the query protocol's XML, or S3's
REST-XML), with a specific message.
"""

from __future__ import annotations

import json
import sys
import traceback
import uuid
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

StartResponse = Callable[..., Any]
_REASONS = {400: "Bad Request", 413: "Request Entity Too Large", 500: "Internal Server Error"}
_LAMBDA_PREFIXES = ("/2015-03-31/", "/2016-08-19/", "/2017-10-31/", "/2018-10-31/", "/2019-09-25/")


def bad_content_length(environ: dict[str, Any]) -> str | None:
    """Why the request's Content-Length cannot be used, or None when it is fine."""
    raw = environ.get("CONTENT_LENGTH")
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    if not text.isdigit():
        return f"Invalid Content-Length header: {text[:40]!r} is not a non-negative integer"
    return None


def respond(
    environ: dict[str, Any],
    start_response: StartResponse,
    status: int,
    code: str,
    message: str,
    exc_info: Any = None,
) -> list[bytes]:
    """An error response in the request's protocol."""
    request_id = str(uuid.uuid4())
    path: str = environ.get("PATH_INFO", "")
    content_type: str = environ.get("CONTENT_TYPE", "") or ""
    if path.startswith(_LAMBDA_PREFIXES):
        kind = "Service" if status >= 500 else "User"
        body = json.dumps({"Type": kind, "message": message}).encode()
        mime = "application/json"
    elif environ.get("HTTP_X_AMZ_TARGET") or "json" in content_type:
        body = json.dumps({"__type": code, "message": message}).encode()
        mime = "application/x-amz-json-1.0"
    elif "x-www-form-urlencoded" in content_type:
        side = "Receiver" if status >= 500 else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{side}</Type><Code>{code}</Code>"
            f"<Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        mime = "text/xml"
    else:  # REST-XML (S3) and anything unsigned
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId></Error>"
        ).encode()
        mime = "application/xml"
    start_response(
        f"{status} {_REASONS.get(status, 'Error')}",
        [
            ("Content-Type", mime),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id),
            ("Content-Length", str(len(body))),
        ],
        exc_info,
    )
    return [body]


def internal(
    environ: dict[str, Any], start_response: StartResponse, exc: BaseException
) -> list[bytes]:
    """A 500 for an unexpected failure; the traceback goes to the server's stderr."""
    path: str = environ.get("PATH_INFO", "")
    if isinstance(exc, RecursionError):
        return respond(
            environ,
            start_response,
            400,
            "InvalidRequestContentException"
            if path.startswith(_LAMBDA_PREFIXES)
            else "SerializationException",
            "The request body is nested too deeply to be parsed",
            sys.exc_info(),
        )
    print(
        f"lablib: {environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')} failed:\n"
        + "".join(traceback.format_exception(exc)),
        file=sys.stderr,
        flush=True,
    )
    code = "ServiceException" if path.startswith(_LAMBDA_PREFIXES) else "InternalFailure"
    message = f"An error occurred and the request cannot be processed ({type(exc).__name__}: {exc})"
    return respond(environ, start_response, 500, code, message[:1000], sys.exc_info())
