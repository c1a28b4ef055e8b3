"""Execution logs, access logs and AWS/ApiGateway metrics, written into the local AWS's
CloudWatch Logs and CloudWatch from one background thread (the request path only queues).

Execution logs go to ``API-Gateway-Execution-Logs_{apiId}/{stage}`` when the stage's method
settings set ``logging/loglevel`` (INFO: every line; ERROR: failures only); access logs go
to the stage's ``accessLogSettings`` destination in its ``format`` ($context variables).
Metrics: Count, Latency, IntegrationLatency, 4XXError, 5XXError, CacheHitCount,
CacheMissCount with dimensions ApiName and ApiName+Stage (plus Resource+Method when the
stage enables detailed metrics)."""

from __future__ import annotations

import functools
import json
import re
import time
from datetime import UTC, datetime
from typing import Any

from lablib.apigateway.context import Call, Response
from lablib.apigateway.throttle import settings_for
from lablib.aws import moto_bridge
from lablib.runtime.batch import Batch
from lablib.runtime.jobs import TELEMETRY_LINGER_S, JobThread

NAMESPACE = "AWS/ApiGateway"
_CONTEXT_VAR = re.compile(r"\$context\.([A-Za-z0-9_.]+)")


class GatewayTelemetry:
    def __init__(self) -> None:
        what = "API Gateway telemetry"
        self._batch = Batch(moto_bridge.MotoLogSink(), moto_bridge.MotoMetricSink(), what)
        self._jobs = JobThread(
            "apigw-telemetry", what, 100_000, self._batch.flush, TELEMETRY_LINGER_S
        )

    def drain(self) -> None:
        self._jobs.drain()

    def close(self) -> None:
        self._jobs.close()

    def record(self, call: Call, response: Response) -> None:
        latency_ms = (time.perf_counter() - call.started) * 1000
        self._jobs.put(lambda: self._write(call, response, latency_ms))

    # -- on the telemetry thread ----------------------------------------------------------
    def _write(self, call: Call, response: Response, latency_ms: float) -> None:
        if call.api is None or call.stage is None:
            return
        found = settings_for(call)
        self._metrics_for(call, response, latency_ms, found)
        level = str((found[1] if found else {}).get("loggingLevel", "OFF")).upper()
        stamp = int(call.started_epoch * 1000)
        group = f"API-Gateway-Execution-Logs_{call.request.api_id}/{call.request.stage}"
        if call.canary:
            group += "/Canary"
        lines: list[str] = []
        if level == "INFO":
            lines = [
                f"Extended Request Id: {call.request_id}",
                f"Starting execution for request: {call.request_id}",
                f"HTTP Method: {call.request.method}, Resource Path: {call.request.path}",
                f"Method request path: {json.dumps(call.path_params)}",
                f"Method request query string: {json.dumps(call.request.query_map())}",
                *call.log,
                f"Method completed with status: {response.status}",
            ]
        elif level == "ERROR" and call.error_log:
            lines = list(call.error_log)
        if lines:
            stream = call.request_id.replace("-", "")
            events = [(stamp, f"({call.request_id}) {line}") for line in lines]
            self._batch.log(call.account, call.region, group, stream, events)
        access = call.stage.access_log
        if access and access.get("destinationArn"):
            destination = access["destinationArn"].split(":log-group:", 1)[-1].removesuffix(":*")
            text = access_line(access.get("format") or "", call, response, latency_ms)
            self._batch.log(call.account, call.region, destination, "access", [(stamp, text)])

    def _metrics_for(
        self,
        call: Call,
        response: Response,
        latency_ms: float,
        found: tuple[str, dict[str, Any]] | None,
    ) -> None:
        assert call.api is not None and call.stage is not None
        now = datetime.now(UTC).replace(tzinfo=None)
        if found and found[1].get("metricsEnabled"):
            key: tuple[str, ...] = (
                call.api.name, call.request.stage, call.resource_path, call.request.method
            )  # fmt: skip
        else:
            key = (call.api.name, call.request.stage)
        sets = _dimension_sets(key)
        values: dict[str, tuple[float, str]] = {
            "Count": (1.0, "Count"),
            "Latency": (latency_ms, "Milliseconds"),
            "4XXError": (1.0 if 400 <= response.status < 500 else 0.0, "Count"),
            "5XXError": (1.0 if response.status >= 500 else 0.0, "Count"),
        }
        if call.integration_latency_ms is not None:
            values["IntegrationLatency"] = (call.integration_latency_ms, "Milliseconds")
        if call.cache_hit is not None:
            values["CacheHitCount"] = (1.0 if call.cache_hit else 0.0, "Count")
            values["CacheMissCount"] = (0.0 if call.cache_hit else 1.0, "Count")
        data = [
            {"MetricName": name, "Value": value, "Unit": unit, "Dimensions": dims, "Timestamp": now}
            for name, (value, unit) in values.items()
            for dims in sets
        ]
        self._batch.metrics(call.account, call.region, NAMESPACE, data)


@functools.lru_cache(maxsize=1024)
def _dimension_sets(key: tuple[str, ...]) -> list[list[dict[str, str]]]:
    """ApiName, ApiName+Stage, and ApiName+Stage+Resource+Method when detailed metrics are
    on (``key``: api name, stage, and resource path and method for detailed metrics); built
    once per key (shared lists: nothing may change them)."""
    api = {"Name": "ApiName", "Value": key[0]}
    stage = {"Name": "Stage", "Value": key[1]}
    sets: list[list[dict[str, str]]] = [[api], [api, stage]]
    if len(key) == 4:
        sets.append([
            api, stage, {"Name": "Resource", "Value": key[2]},
            {"Name": "Method", "Value": key[3]},
        ])  # fmt: skip
    return sets


def access_line(fmt: str, call: Call, response: Response, latency_ms: float) -> str:
    ctx: dict[str, Any] = call.context_vars()
    ctx["status"] = response.status
    ctx["responseLength"] = len(response.body)
    ctx["responseLatency"] = int(latency_ms)
    ctx["integrationLatency"] = (
        int(call.integration_latency_ms) if call.integration_latency_ms is not None else "-"
    )
    ctx["integrationStatus"] = call.integration_status if call.integration_status else "-"
    if not fmt:
        fmt = (
            '$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod '
            '$context.resourcePath $context.protocol" $context.status $context.responseLength '
            "$context.requestId"
        )

    def value(found: re.Match[str]) -> str:
        current: Any = ctx
        for part in found.group(1).split("."):
            current = current.get(part) if isinstance(current, dict) else None
        return "-" if current is None or current == "" else str(current)

    return _CONTEXT_VAR.sub(value, fmt)
