"""MOCK integrations: no backend; the request template's ``statusCode`` picks the
integration response (200 when there is none)."""

from __future__ import annotations

import json

from lablib.apigateway.context import Call, IntegrationResult


def call_mock(call: Call, body: bytes) -> IntegrationResult:
    status = 200
    try:
        value = json.loads(body) if body.strip() else {}
    except ValueError:
        value = {}
    if isinstance(value, dict) and str(value.get("statusCode", "")).isdigit():
        status = int(value["statusCode"])
    call.integration_latency_ms = 0.0
    return IntegrationResult(status, b"")
