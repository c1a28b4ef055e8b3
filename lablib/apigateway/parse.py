"""Step 1 of the chain: turn the WSGI environ of a stage-URL request into a ``Request``.

Stage URL: ``/restapis/{api_id}/{stage}/_user_request_/{path}``. Header names keep the
client's spelling (``tEsT-HEADeR`` stays so; only ``Authorization`` is re-cased, as AWS does),
from the raw request the server keeps beside the WSGI environ. Hop-by-hop headers and
``Content-Length`` do not reach the integration; ``Host`` becomes the API's own domain, and
the headers CloudFront adds in front of an edge-optimized API are added.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from lablib.apigateway import ids
from lablib.apigateway.context import Request
from lablib.apigateway.errors import GatewayError

USER_REQUEST = re.compile(
    r"^/restapis/(?P<api>[^/]+)/(?P<stage>[^/]+)/_user_request_(?P<path>/.*)?$"
)
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit: 10 MB
_SPECIAL = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}
# Not forwarded by API Gateway (hop-by-hop, or recomputed).
_DROPPED = {
    "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
    "upgrade", "content-length", "host", "expect",
}  # fmt: skip
_RECASED = {"authorization": "Authorization"}


def matches(environ: dict[str, Any]) -> bool:
    path: str = environ.get("PATH_INFO", "")
    return path.startswith("/restapis/") and "/_user_request_" in path


def _wsgi_text(value: str) -> str:
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    raw = environ.get("lablib.raw_headers")
    if raw is not None:
        return [
            (_RECASED.get(name.lower(), name), _wsgi_text(value))
            for name, value in raw
            if name.lower() not in _DROPPED
        ]
    headers: list[tuple[str, str]] = []
    for key, value in environ.items():
        if key in _SPECIAL:
            if value:
                headers.append((_SPECIAL[key], str(value)))
        elif key.startswith("HTTP_"):
            name = "-".join(part.capitalize() for part in key[5:].split("_"))
            headers.append((name, _wsgi_text(str(value))))
    return [(k, v) for k, v in headers if k.lower() not in _DROPPED]


def edge_headers(source_ip: str) -> list[tuple[str, str]]:
    """What CloudFront adds in front of an edge-optimized API (the default endpoint type)."""
    return [
        ("CloudFront-Forwarded-Proto", "https"),
        ("CloudFront-Is-Desktop-Viewer", "true"),
        ("CloudFront-Is-Mobile-Viewer", "false"),
        ("CloudFront-Is-SmartTV-Viewer", "false"),
        ("CloudFront-Is-Tablet-Viewer", "false"),
        ("CloudFront-Viewer-ASN", "16509"),
        ("CloudFront-Viewer-Country", "US"),
        ("Via", ids.cloudfront_via()),
        ("X-Amz-Cf-Id", ids.cloudfront_id()),
    ]


def parse(environ: dict[str, Any], region: str = "us-east-1") -> Request:
    """Raise GatewayError for a body over 10 MB (413) after draining it."""
    path_info = _wsgi_text(environ.get("PATH_INFO", ""))
    found = USER_REQUEST.match(path_info)
    if found is None:
        raise GatewayError("MISSING_AUTHENTICATION_TOKEN", f"not a stage URL: {path_info}")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    stream = environ["wsgi.input"]
    if length > MAX_BODY:
        remaining = length
        while remaining > 0:
            chunk = stream.read(min(remaining, 1 << 20))
            if not chunk:
                break
            remaining -= len(chunk)
        raise GatewayError(
            "REQUEST_TOO_LARGE", f"request body of {length} bytes is over the 10 MB limit"
        )
    body: bytes = stream.read(length) if length else b""
    path = found.group("path") or "/"
    original_path = path
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    headers = _headers(environ)
    source_ip = str(environ.get("REMOTE_ADDR") or "127.0.0.1")
    api_id, stage = found.group("api"), found.group("stage")
    headers.append(("Host", f"{api_id}.execute-api.{region}.amazonaws.com"))
    headers.extend(edge_headers(source_ip))
    headers.append(("X-Amzn-Trace-Id", ids.trace_id()))
    headers.append(("X-Forwarded-For", source_ip))
    headers.append(("X-Forwarded-Port", "443"))
    headers.append(("X-Forwarded-Proto", "https"))
    raw_query = environ.get("QUERY_STRING", "")
    query = parse_qsl(_wsgi_text(raw_query), keep_blank_values=True) if raw_query else []
    return Request(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        path=path,
        raw_path=path_info,
        query=query,
        headers=headers,
        body=body,
        source_ip=source_ip,
        api_id=api_id,
        stage=stage,
        original_path=original_path,
    )
