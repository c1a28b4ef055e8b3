"""Where a Lambda integration's invoke runs: on the request thread only when the scheduler
bounds it below the integration timeout (then it always ends before a 504 could fire);
otherwise on a pool thread, so the 504 answers at the integration timeout while the
function keeps running."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from lablib.apigateway.context import Call, Request
from lablib.apigateway.errors import GatewayError
from lablib.apigateway.integrations.lambda_ import LambdaIntegration
from lablib.apigateway.model import IntegrationSpec
from lablib.aws import moto_bridge
from lablib.runtime.model import FunctionConfig, InvokeResult
from tests.apigateway.conftest import Api

SLEEPY = """import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"statusCode": 200, "body": "ok"}
"""


class _Scheduler:
    def __init__(self, plane: Any, bound: float | None) -> None:
        self.plane = plane
        self.bound = bound

    def invoke_bound_s(self, fn: FunctionConfig) -> float | None:
        real = self.plane.scheduler.invoke_bound_s(fn)
        return None if real is None or self.bound is None else self.bound


class _Plane:
    """The real Lambda data plane, noting the thread each invoke ran on; the bound the
    scheduler reports is replaced by ``bound`` once an environment runs (None: no bound)."""

    def __init__(self, plane: Any, bound: float | None) -> None:
        self.plane = plane
        self.scheduler = _Scheduler(plane, bound)
        self.threads: list[str] = []

    def invoke_resolved(
        self, fn: FunctionConfig, qualifier: str | None, payload: bytes
    ) -> InvokeResult:
        self.threads.append(threading.current_thread().name)
        result: InvokeResult = self.plane.invoke_resolved(fn, qualifier, payload)
        return result


class _Local:
    def __init__(self, plane: _Plane) -> None:
        self.lambda_plane = plane


def _call() -> Call:
    request = Request("GET", "/x", "/x", [], [], b"", "127.0.0.1", "api1234567", "prod")
    return Call(request, "r-1", moto_bridge.ACCOUNT_ID, "us-east-1")


def _spec(apigw: Api, fn: str, timeout_ms: int) -> IntegrationSpec:
    return IntegrationSpec(
        type="AWS_PROXY",
        uri=apigw.lambda_uri(fn),
        http_method="POST",
        passthrough="WHEN_NO_MATCH",
        templates={},
        parameters={},
        timeout_ms=timeout_ms,
        credentials=None,
        cache_key_parameters=(),
        responses={},
    )


@pytest.fixture(scope="module")
def sleepy(apigw: Api) -> str:
    name = apigw.function(SLEEPY, Timeout=10)
    apigw.lam.invoke(FunctionName=name, Payload=b"{}")  # an environment runs from now on
    return name


def _integration(apigw: Api, bound: float | None) -> tuple[LambdaIntegration, _Plane]:
    plane = _Plane(apigw.aws.lambda_plane, bound)
    return LambdaIntegration(_Local(plane), workers=2), plane


def test_bounded_below_the_timeout_runs_on_the_request_thread(apigw: Api, sleepy: str) -> None:
    lam, plane = _integration(apigw, bound=5.0)
    try:
        result = lam.invoke(_call(), _spec(apigw, sleepy, 29_000), b"{}")
    finally:
        lam.close()
    assert result.function_error is None
    assert plane.threads == [threading.current_thread().name]


@pytest.mark.parametrize("bound", [None, 29.0, 40.0])
def test_unbounded_or_too_long_runs_in_the_pool(
    apigw: Api, sleepy: str, bound: float | None
) -> None:
    lam, plane = _integration(apigw, bound)
    try:
        result = lam.invoke(_call(), _spec(apigw, sleepy, 29_000), b"{}")
    finally:
        lam.close()
    assert result.function_error is None
    assert len(plane.threads) == 1 and plane.threads[0].startswith("apigw-lambda")


def test_no_environment_yet_runs_in_the_pool(apigw: Api) -> None:
    """Never run: a first start has no bound (even with a generous integration timeout)."""
    fresh = apigw.function(SLEEPY, Timeout=3)
    lam, plane = _integration(apigw, bound=1.0)
    try:
        lam.invoke(_call(), _spec(apigw, fresh, 29_000), b"{}")
    finally:
        lam.close()
    assert plane.threads[0].startswith("apigw-lambda")


def test_504_at_the_integration_timeout_while_the_function_runs_on(apigw: Api, sleepy: str) -> None:
    """The real scheduler's bound for a warm function with a 10 s timeout is above a 1 s
    integration timeout: the pool runs it and the 504 comes at 1 s."""
    real = apigw.aws.lambda_plane
    config, _ = moto_bridge.resolve_function(moto_bridge.ACCOUNT_ID, "us-east-1", sleepy, None)
    bound = real.scheduler.invoke_bound_s(config)
    assert bound is not None and bound > 1.0
    lam = LambdaIntegration(_Local(real), workers=2)
    began = time.perf_counter()
    try:
        with pytest.raises(GatewayError) as raised:
            lam.invoke(_call(), _spec(apigw, sleepy, 1_000), b'{"sleep": 6}')
        assert time.perf_counter() - began < 5.5  # the function's 6 s were not waited for
    finally:
        lam.close()
    assert raised.value.type == "INTEGRATION_TIMEOUT"
    assert raised.value.status == 504


def test_unknown_function_is_a_configuration_error(apigw: Api) -> None:
    lam, _ = _integration(apigw, bound=5.0)
    try:
        with pytest.raises(GatewayError) as raised:
            lam.invoke(_call(), _spec(apigw, "no-such-function-here", 29_000), b"{}")
    finally:
        lam.close()
    assert raised.value.type == "API_CONFIGURATION_ERROR"
    assert raised.value.status == 500
