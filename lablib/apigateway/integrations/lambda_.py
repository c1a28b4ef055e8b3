"""Lambda integrations (AWS_PROXY and AWS custom), in-process through
``local.lambda_plane``; the integration timeout (29 s default) gives 504 while the function
keeps running, as on AWS.

For that, an invoke that could outlast the integration timeout runs on a pool thread, and
the request thread waits for it at most that long. One that cannot (an environment of the
function runs, and the scheduler's bound on the invoke, from the function's own timeout,
is below the integration timeout) runs on the request thread: it always ends before the
504 could fire, so the answer is the same, without a thread hand-off per request."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from lablib.apigateway.context import Call, IntegrationResult
from lablib.apigateway.errors import GatewayError
from lablib.apigateway.integrations.uri import lambda_target, substitute
from lablib.apigateway.model import IntegrationSpec
from lablib.aws import moto_bridge
from lablib.aws.moto_bridge import apigateway as bridge
from lablib.runtime.model import InvokeResult, RuntimeUnavailable, Throttled


class LambdaIntegration:
    def __init__(self, local: Any, workers: int = 64) -> None:
        self.local = local
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apigw-lambda")

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def invoke(self, call: Call, integration: IntegrationSpec, payload: bytes) -> InvokeResult:
        uri = substitute(integration.uri, call.variables)
        name, qualifier, region = lambda_target(uri)
        shown = name + (f":{qualifier}" if qualifier else "")
        if integration.credentials is None and not bridge.lambda_permits(
            call.account, region, name, qualifier, call.source_arn()
        ):
            raise GatewayError(
                "API_CONFIGURATION_ERROR",
                f"Execution failed due to configuration error: Invalid permissions on Lambda "
                f"function {shown} (add a resource-based permission for principal "
                "apigateway.amazonaws.com: aws lambda add-permission)",
            )
        call.info(f"Endpoint request URI: {uri}")
        plane = self.local.lambda_plane
        timeout_s = integration.timeout_ms / 1000
        began = time.perf_counter()
        try:
            fn, qualifier = moto_bridge.resolve_function(
                moto_bridge.ACCOUNT_ID, region, name, qualifier
            )
            bound = plane.scheduler.invoke_bound_s(fn)
            if bound is not None and bound < timeout_s:
                result: InvokeResult = plane.invoke_resolved(fn, qualifier, payload)
            else:
                future = self.pool.submit(plane.invoke_resolved, fn, qualifier, payload)
                result = future.result(timeout=timeout_s)
        except FutureTimeout:
            raise GatewayError(
                "INTEGRATION_TIMEOUT",
                f"Execution failed due to a timeout error (integration timeout "
                f"{integration.timeout_ms} ms)",
            ) from None
        except moto_bridge.ResolveError as exc:
            raise GatewayError(
                "API_CONFIGURATION_ERROR",
                f"Execution failed due to configuration error: {exc.message}",
            ) from None
        except Throttled as exc:
            raise GatewayError(
                "API_CONFIGURATION_ERROR",
                f"Lambda invocation failed with status: 429. Reason: {exc.reason}",
            ) from None
        except RuntimeUnavailable as exc:
            raise GatewayError(
                "API_CONFIGURATION_ERROR", f"Lambda invocation failed: {exc}"
            ) from None
        finally:
            call.integration_latency_ms = (time.perf_counter() - began) * 1000
        call.info(
            f"Endpoint response body before transformations: {result.payload[:1000]!r} "
            f"(executed version {result.executed_version})"
        )
        return result


def proxy(
    lam: LambdaIntegration, call: Call, integration: IntegrationSpec, event: bytes
) -> InvokeResult:
    return lam.invoke(call, integration, event)


def custom(
    lam: LambdaIntegration, call: Call, integration: IntegrationSpec, body: bytes
) -> IntegrationResult:
    """Non-proxy: the (rendered) body must be JSON for Lambda."""
    payload = body if body.strip() else b"{}"
    try:
        json.loads(payload)
    except ValueError:
        raise GatewayError(
            "API_CONFIGURATION_ERROR",
            "Execution failed due to configuration error: Lambda invocation failed with status:"
            " 400. Could not parse request body into json (check the request template's output)",
        ) from None
    result = lam.invoke(call, integration, payload)
    if result.function_error:
        message = ""
        try:
            error = json.loads(result.payload)
            message = str(error.get("errorMessage", "")) if isinstance(error, dict) else ""
        except ValueError:
            pass
        call.fail(
            f"Lambda execution failed with status 200 due to customer function error: {message}"
        )
        return IntegrationResult(200, result.payload, {}, message, True)
    return IntegrationResult(200, result.payload)
