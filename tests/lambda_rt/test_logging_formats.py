"""Embedded Metric Format lines become metrics; LoggingConfig JSON changes the log lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

EMF = """
import json, time
def handler(event, context):
    print(json.dumps({
        "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
            "Namespace": "Shop", "Dimensions": [["Service"]],
            "Metrics": [{"Name": "OrdersPlaced", "Unit": "Count"}]}]},
        "Service": "checkout", "OrdersPlaced": event["n"]}))
    return "ok"
"""


def test_emf_lines_become_metrics(aws: Any, lam: Any, make_function: Any) -> None:
    name = make_function(EMF)
    for n in (2, 3):
        lam.invoke(FunctionName=name, Payload=json.dumps({"n": n}).encode())
    cloudwatch = aws.client("cloudwatch")
    now = datetime.now(UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace="Shop",
        MetricName="OrdersPlaced",
        Dimensions=[{"Name": "Service", "Value": "checkout"}],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
        Period=300,
        Statistics=["Sum", "SampleCount"],
    )["Datapoints"]
    assert sum(p["Sum"] for p in points) == 5
    assert sum(p["SampleCount"] for p in points) == 2
    assert {p["Unit"] for p in points} == {"Count"}


def test_json_log_format(aws: Any, lam: Any, make_function: Any) -> None:
    code = """
import logging
log = logging.getLogger()
def handler(event, context):
    log.debug("hidden at INFO")
    log.info("order %s stored", event["id"])
    print("plain print stays text")
    return 1
"""
    name = make_function(code, LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "INFO"})
    config = lam.get_function_configuration(FunctionName=name)["LoggingConfig"]
    assert config["LogFormat"] == "JSON"
    request_id = lam.invoke(FunctionName=name, Payload=b'{"id": 7}')["ResponseMetadata"][
        "RequestId"
    ]
    events = aws.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    messages = [e["message"] for e in events]
    assert "plain print stays text" in messages
    records = [json.loads(m) for m in messages if m.startswith("{")]
    kinds = [r.get("type") for r in records if "type" in r]
    assert kinds == ["platform.initStart", "platform.start", "platform.report"]
    app = [r for r in records if "level" in r]
    assert [(r["level"], r["message"]) for r in app] == [("INFO", "order 7 stored")]
    assert app[0]["requestId"] == request_id
    report = records[-1]["record"]
    assert report["requestId"] == request_id
    assert set(report["metrics"]) >= {"durationMs", "billedDurationMs", "memorySizeMB",
                                      "maxMemoryUsedMB", "initDurationMs"}  # fmt: skip
    assert not any(m.startswith("END RequestId") for m in messages)


def test_json_system_log_level_warn_hides_platform_lines(
    aws: Any, lam: Any, make_function: Any
) -> None:
    name = make_function(
        "def handler(e, c):\n    print('only me')\n",
        LoggingConfig={"LogFormat": "JSON", "SystemLogLevel": "WARN"},
    )
    lam.invoke(FunctionName=name)
    events = aws.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    assert [e["message"] for e in events] == ["only me"]
