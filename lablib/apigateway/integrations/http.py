"""HTTP and HTTP_PROXY integrations, to loopback addresses only (the lab never leaves the
machine). Path parameters, query strings and headers are mapped by the integration's
``requestParameters``; ``HTTP_PROXY`` forwards the whole request and returns the whole
response."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode, urlsplit

from lablib.apigateway.context import Call, IntegrationResult
from lablib.apigateway.errors import GatewayError
from lablib.apigateway.integrations.uri import substitute
from lablib.apigateway.model import IntegrationSpec

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length", "upgrade"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def _source_value(call: Call, source: str) -> str | None:
    """The value of a mapping source: method.request.{path,querystring,header}.X, a 'literal',
    context.X or stageVariables.X."""
    if source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    req = call.request
    if source.startswith("method.request.path."):
        return call.path_params.get(source[len("method.request.path.") :])
    if source.startswith("method.request.querystring."):
        return req.query_map().get(source[len("method.request.querystring.") :])
    if source.startswith("method.request.header."):
        return req.header(source[len("method.request.header.") :])
    if source.startswith("stageVariables."):
        return call.variables.get(source[len("stageVariables.") :])
    if source.startswith("context."):
        value = call.context_vars().get(source[len("context.") :])
        return None if value is None else str(value)
    return None


def mapped(call: Call, integration: IntegrationSpec) -> dict[str, dict[str, str]]:
    """integration.request.{path,querystring,header}.X values from requestParameters."""
    result: dict[str, dict[str, str]] = {"path": {}, "querystring": {}, "header": {}}
    for target, source in integration.parameters.items():
        parts = target.split(".", 3)
        if len(parts) != 4 or parts[:2] != ["integration", "request"] or parts[2] not in result:
            continue
        value = _source_value(call, source)
        if value is not None:
            result[parts[2]][parts[3]] = value
    return result


def _url(call: Call, integration: IntegrationSpec, params: dict[str, dict[str, str]]) -> str:
    uri = substitute(integration.uri, call.variables)
    for name, value in params["path"].items():
        # a segment value never holds "/", a greedy {proxy+} value keeps its slashes
        uri = uri.replace("{" + name + "+}", quote(value, safe="/"))
        uri = uri.replace("{" + name + "}", quote(value, safe="/"))
    host = urlsplit(uri).hostname or ""
    if host not in LOOPBACK and f"[{host}]" not in LOOPBACK:
        raise GatewayError(
            "API_CONFIGURATION_ERROR",
            f"Execution failed due to configuration error: {uri!r} is not on loopback; the "
            "local lab only calls http://127.0.0.1 or http://localhost backends",
        )
    return uri


def call_http(call: Call, integration: IntegrationSpec, body: bytes) -> IntegrationResult:
    proxy = integration.type == "HTTP_PROXY"
    params = mapped(call, integration)
    if proxy:
        for name, value in call.path_params.items():
            params["path"].setdefault(name, value)
    url = _url(call, integration, params)
    query = call.request.query if proxy else list(params["querystring"].items())
    if proxy and params["querystring"]:
        query = query + list(params["querystring"].items())
    if query:
        url += ("&" if "?" in url else "?") + urlencode(query)
    headers: dict[str, str] = {}
    if proxy:
        headers = {k: v for k, v in call.request.headers if k.lower() not in _HOP}
    headers.update(params["header"])
    method = (integration.http_method or call.request.method).upper()
    if method == "ANY":
        method = call.request.method
    data = body if method not in ("GET", "HEAD") or body else None
    outgoing = urllib.request.Request(url, data=data, headers=headers, method=method)
    call.info(f"Endpoint request URI: {url}")
    began = time.perf_counter()
    try:
        with _opener.open(outgoing, timeout=integration.timeout_ms / 1000) as answer:
            status, payload, got = answer.status, answer.read(), dict(answer.headers.items())
    except urllib.error.HTTPError as exc:
        status, payload, got = exc.code, exc.read(), dict(exc.headers.items())
    except TimeoutError:
        raise GatewayError(
            "INTEGRATION_TIMEOUT", f"Execution failed due to a timeout error calling {url}"
        ) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise GatewayError(
                "INTEGRATION_TIMEOUT", f"Execution failed due to a timeout error calling {url}"
            ) from None
        raise GatewayError(
            "API_CONFIGURATION_ERROR",
            f"Execution failed due to configuration error: could not reach {url}: {exc.reason}",
        ) from None
    finally:
        call.integration_latency_ms = (time.perf_counter() - began) * 1000
    return IntegrationResult(status, payload, got)
