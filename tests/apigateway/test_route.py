"""The router of one deployment: precedence, and the matches it remembers."""

from __future__ import annotations

import pytest

from lablib.apigateway import route
from lablib.apigateway.errors import GatewayError
from lablib.apigateway.model import ApiSnapshot, MethodSpec, ResourceSpec


def _method(verb: str) -> MethodSpec:
    return MethodSpec(verb, "NONE", None, False, {}, {}, None)


def _api(*paths: str) -> ApiSnapshot:
    resources = tuple(
        ResourceSpec(id=f"r{i}", path=path, methods={"GET": _method("GET")})
        for i, path in enumerate(paths)
    )
    return ApiSnapshot("api", "api", "dep", resources, {}, {}, "HEADER", None)


def test_precedence_is_the_same_on_every_request() -> None:
    router = route.Router(_api("/items/{proxy+}", "/items/{id}", "/items/special"))
    for _ in range(3):
        assert router.match("GET", "/items/special")[0].path == "/items/special"
        assert router.match("GET", "/items/7")[0].path == "/items/{id}"
        assert router.match("GET", "/items/a/b")[0].path == "/items/{proxy+}"
        with pytest.raises(GatewayError) as raised:
            router.match("POST", "/items/7")
        assert raised.value.type == "MISSING_AUTHENTICATION_TOKEN"


def test_parameters_are_the_callers_own() -> None:
    router = route.Router(_api("/items/{proxy+}"))
    _, _, params = router.match("GET", "/items/a%20b/c")
    assert params == {"proxy": "a b/c"}
    params["proxy"] = "changed"
    assert router.match("GET", "/items/a%20b/c")[2] == {"proxy": "a b/c"}


def test_remembered_matches_are_bounded() -> None:
    router = route.Router(_api("/{proxy+}"))
    for i in range(route.CACHED_MATCHES * 2 + 5):
        assert router.match("GET", f"/p{i}")[2] == {"proxy": f"p{i}"}
    assert len(router._matches) <= route.CACHED_MATCHES
