"""A poller that keeps failing shows it where a learner looks: the mapping's
LastProcessingResult, a line in the function's log group and a metric; and it recovers."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from lablib.aws.moto_bridge import event_sources as bridge
from lablib.events import health
from tests.events.conftest import unique, wait_for

LABLIB = Path(__file__).resolve().parents[2] / "lablib"


def test_no_thread_subclasses_in_lablib() -> None:
    """Python 3.13 added private attributes to threading.Thread (``_handle``): lablib owns
    threads instead of subclassing Thread, so no private name of ours can collide."""
    offenders = []
    for path in LABLIB.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    if ast.unparse(base) in ("Thread", "threading.Thread"):
                        offenders.append(f"{path.relative_to(LABLIB)}:{node.name}")
    assert offenders == []


def test_failing_stream_poller_is_visible_and_recovers(
    clients: Any, recorder: Any, results: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = unique("broken")
    clients.kinesis.create_stream(StreamName=name, ShardCount=1)
    arn = clients.kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]
    real = bridge.kinesis_records

    def failing(stream_arn: str, *args: Any) -> list[dict[str, Any]]:
        if stream_arn == arn:  # only this test's stream: other mappings keep working
            raise OSError("shard storage unreadable")
        return real(stream_arn, *args)

    monkeypatch.setattr(bridge, "kinesis_records", failing)
    fn = recorder({"RESULTS_QUEUE_URL": results.url})
    uuid = clients.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn, StartingPosition="TRIM_HORIZON"
    )["UUID"]
    clients.kinesis.put_record(StreamARN=arn, Data=json.dumps({"id": 1}).encode(), PartitionKey="k")

    wait_for(
        lambda: (
            clients.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"]
            == health.INTERNAL_ERROR
        )
    )
    group = f"/aws/lambda/{fn}"

    def logged() -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = clients.logs.filter_log_events(
            logGroupName=group, logStreamNamePrefix=health.log_stream(uuid)
        )["events"]
        return events

    lines = wait_for(logged)
    assert uuid in lines[0]["message"]
    assert "OSError: shard storage unreadable" in lines[0]["message"]
    metrics = clients.cw.list_metrics(Namespace=health.NAMESPACE, MetricName=health.METRIC)
    dims = [m["Dimensions"] for m in metrics["Metrics"]]
    assert [{"Name": "EventSourceMappingUUID", "Value": uuid}] in dims
    assert results.drain() == []  # nothing reached the function

    monkeypatch.setattr(bridge, "kinesis_records", real)
    wait_for(lambda: len(results.drain()) == 1)
    wait_for(
        lambda: clients.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "OK"
    )
    clients.lam.delete_event_source_mapping(UUID=uuid)
