"""Browser and DNS-rebinding protection for the local AWS, modelled on JupyterLab's own
(a Host allow-list and an Origin check), plus AWS's rule that API calls are signed.

Every request to the front passes ``refusal(environ)`` first:

1. ``Host`` must name this machine: a loopback address (127.0.0.0/8, ``[::1]``),
   ``localhost`` or a ``*.localhost`` name (RFC 6761: browsers resolve those to loopback
   themselves, which is what S3's virtual-hosted ``bucket.localhost`` uses). A page on
   ``evil.example`` whose DNS is re-pointed at 127.0.0.1 still sends ``Host:
   evil.example`` and is answered 421. A request without ``Host`` (HTTP/1.0 tools) passes:
   browsers always send one.
2. ``Origin``, when present, must be a page on this machine (``http(s)://`` + a name of
   rule 1); anything else, ``null`` included (sandboxed iframes, ``file:`` pages), is
   answered 403, so no web page can drive the local AWS from the learner's browser.
3. AWS API requests must carry SigV4: an ``Authorization`` header, a presigned query
   (``X-Amz-Signature``, or S3's older ``Signature``+``AWSAccessKeyId``) or, for S3's
   browser-less presigned POST, a multipart form (its policy and signature are form
   fields). Missing -> 403 ``MissingAuthenticationTokenException``; malformed -> 400
   ``IncompleteSignatureException``, both in AWS's JSON shape. Signatures are not verified:
   any credentials work, as with moto. Exempt: stage URLs (``/restapis/{id}/{stage}/
   _user_request_/...``, public on AWS too), lablib's own ``/_lablib/...`` routes and CORS
   preflights (``OPTIONS``), which all still get rules 1 and 2.

The Lambda Runtime API does not pass through here: workers talk to their own channel.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]
Refusal = Callable[[StartResponse], Iterable[bytes]]

_allowed_hosts: set[str] = set()  # Host header values already found to be loopback
_MAX_REMEMBERED = 256


def loopback_name(host: str) -> bool:
    """Whether a host name (no port; IPv6 without brackets) is this machine."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    # An IPv4-mapped IPv6 spelling ([::ffff:127.0.0.1]) is refused on every Python: 3.13
    # counts it as loopback, older versions do not, and no browser or SDK sends it for a
    # server that listens on 127.0.0.1 only.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return False
    return address.is_loopback


def _split_port(value: str) -> str:
    if value.startswith("["):  # [::1]:8080
        end = value.find("]")
        return value[1:end] if end > 0 else value
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def host_allowed(value: str) -> bool:
    if value in _allowed_hosts:
        return True
    allowed = loopback_name(_split_port(value.strip()))
    if allowed and len(_allowed_hosts) < _MAX_REMEMBERED:
        _allowed_hosts.add(value)
    return allowed


def origin_allowed(origin: str) -> bool:
    scheme, sep, rest = origin.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or "/" in rest or "@" in rest:
        return False
    return bool(rest) and loopback_name(_split_port(rest))


def _json(status: str, code: str, message: str, **extra: str) -> Refusal:
    body = json.dumps({"__type": code, "message": message, **extra}).encode()
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("x-amzn-ErrorType", code),
    ]

    def respond(start_response: StartResponse) -> Iterable[bytes]:
        start_response(status, headers)
        return [body]

    return respond


def _exempt_from_signing(environ: dict[str, Any], path: str) -> bool:
    if environ.get("REQUEST_METHOD") == "OPTIONS":
        return True
    if path.startswith("/_lablib/"):
        return True
    return path.startswith("/restapis/") and "/_user_request_" in path


_SIGNING_HINT = (
    "lablib: AWS API calls must be signed with SigV4, as on AWS. Any AWS SDK or the AWS CLI "
    "signs them with the fake credentials lablib sets (AWS_ACCESS_KEY_ID=testing); stage URLs "
    "(/restapis/{id}/{stage}/_user_request_/...) need no signature."
)


def _signature_problem(environ: dict[str, Any]) -> Refusal | None:
    auth: str = environ.get("HTTP_AUTHORIZATION", "")
    if auth:
        if (
            auth.startswith("AWS4-HMAC-SHA256 ")
            and "Credential=" in auth
            and "Signature=" in auth
            and "SignedHeaders=" in auth
            and ("HTTP_X_AMZ_DATE" in environ or "HTTP_DATE" in environ)
        ):
            return None  # the common case, first
        if auth.startswith("AWS ") and ":" in auth:  # S3's SigV2 header
            return None
        needed = [
            f"Authorization header requires '{part}' parameter."
            for part in ("Credential", "Signature", "SignedHeaders")
            if not auth.startswith("AWS4-HMAC-SHA256 ") or f"{part}=" not in auth
        ]
        if "HTTP_X_AMZ_DATE" not in environ and "HTTP_DATE" not in environ:
            needed.append(
                "Authorization header requires existence of either a 'X-Amz-Date' or a "
                "'Date' header."
            )
        if not needed:
            return None
        shown = auth if len(auth) <= 200 else auth[:200] + "..."
        return _json(
            "400 Bad Request",
            "IncompleteSignatureException",
            " ".join(needed) + f" Authorization={shown}",
            lablibHint=_SIGNING_HINT,
        )
    query: str = environ.get("QUERY_STRING", "")
    if "X-Amz-Signature=" in query and "X-Amz-Credential=" in query:
        return None
    if "Signature=" in query and "AWSAccessKeyId=" in query:
        return None
    content_type: str = environ.get("CONTENT_TYPE", "")
    if environ.get("REQUEST_METHOD") == "POST" and content_type.startswith("multipart/form-data"):
        return None  # S3 presigned POST: policy and signature travel as form fields
    return _json(
        "403 Forbidden",
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
        lablibHint=_SIGNING_HINT,
    )


def refusal(environ: dict[str, Any]) -> Refusal | None:
    """None when the request may proceed; otherwise the response that refuses it."""
    host: str | None = environ.get("HTTP_HOST")
    if host is not None and not host_allowed(host):
        return _json(
            "421 Misdirected Request",
            "MisdirectedRequestException",
            f"lablib refused a request for Host {host[:100]!r}: the local AWS answers only "
            "requests addressed to this machine (127.0.0.1, localhost, [::1] or *.localhost), "
            "so a web page cannot reach it by DNS rebinding. Use the endpoint lablib printed, "
            "e.g. http://127.0.0.1:PORT.",
        )
    origin: str | None = environ.get("HTTP_ORIGIN")
    if origin is not None and not origin_allowed(origin):
        return _json(
            "403 Forbidden",
            "AccessDeniedException",
            f"lablib refused a request sent by the web page at {origin[:100]!r}: the local "
            "AWS accepts browser requests only from pages on this machine (http://127.0.0.1, "
            "http://localhost, http://[::1]), so a web site you visit cannot drive it. Use an "
            "AWS SDK, the AWS CLI or a notebook.",
        )
    if _exempt_from_signing(environ, environ.get("PATH_INFO", "")):
        return None
    return _signature_problem(environ)
