"""Lab 06 views and check helpers, without a kernel."""

from __future__ import annotations

import pytest

from lablib.labs.serverless_practices import views as lab
from lablib.labs.serverless_practices.checks import peak_overlap
from lablib.notebook.concurrency import Burst, Call
from lablib.notebook.cost import lambda_cost
from lablib.notebook.logs import Invocation


def test_backoff_ceiling_doubles_up_to_the_cap_and_jitter_stays_below() -> None:
    delays = lab.backoff_delays(6, base_s=0.1, cap_s=1.0, seed=3)
    assert [c for c, _ in delays] == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])
    assert all(0 <= d <= c for c, d in delays)
    assert lab.backoff_delays(6, 0.1, 1.0, seed=3) == delays  # seeded: reproducible
    with pytest.raises(ValueError, match="attempts >= 1"):
        lab.backoff_delays(0)


def test_break_even_is_where_lambda_costs_what_the_servers_cost() -> None:
    chart, breakeven = lab.server_vs_lambda(128, 20.0, server_usd_per_hour=0.0208, servers=2)
    servers_month = 0.0208 * lab.HOURS_PER_MONTH * 2
    assert lambda_cost(128, 20.0, breakeven).total_usd == pytest.approx(servers_month, rel=1e-3)
    assert "break-even at about" in repr(chart)
    assert chart.png().startswith(b"\x89PNG")


def test_peak_overlap_counts_only_calls_that_ran() -> None:
    result = Burst("f")
    result.calls = [
        Call(0, 0.0, 1.0, 200),
        Call(1, 0.1, 1.1, 200),
        Call(2, 0.2, 0.21, 429, "ReservedFunctionConcurrentInvocationLimitExceeded"),
        Call(3, 1.05, 2.0, 200),
    ]
    assert peak_overlap(result) == 2
    chart = lab.compare_bursts({"capped": result}, {"capped": 2})
    assert repr(chart) == "capped: 3 x 200, 1 x 429, database peak 2 connections"


def test_trace_gantt_has_init_only_for_cold_starts() -> None:
    cold = Invocation("abcdef12-0000", "s", duration_ms=5.0, init_ms=120.0)
    warm = Invocation("12345678-0000", "s", duration_ms=5.0)
    assert "Initialization (cold start) :2, 122" in lab.trace_gantt(cold)
    assert "Invocation (handler) :122, 127" in lab.trace_gantt(cold)
    text = lab.trace_gantt(warm, [("DynamoDB PutItem", 3.0)])
    assert "Initialization" not in text and "DynamoDB PutItem :2, 5" in text


def test_policy_documents_in_any_shape() -> None:
    doc = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    assert lab._document(doc) == doc
    assert lab._document('{"Statement": []}') == {"Statement": []}
    assert lab._document("%7B%22Statement%22%3A%20%5B%5D%7D") == {"Statement": []}
    assert lab._document(str(doc)) == doc
