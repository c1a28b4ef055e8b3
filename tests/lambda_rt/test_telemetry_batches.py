"""Telemetry threads run every job they find queued (or that arrives while they linger) in
one pass and write what the pass collected in batches (one sink call per log stream, one
per namespace). What a learner reads
is the same as with one write per job: every REPORT line in order, the same timestamps and
stream names, the exact sample counts; a write the sink refuses loses only itself."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lablib.aws import moto_bridge
from lablib.runtime import telemetry as tel
from lablib.runtime.jobs import JobThread
from lablib.runtime.model import FunctionConfig
from tests.support import WAIT_S


# -- the job thread ----------------------------------------------------------------------------
class _Held:
    """A job that holds the thread until released, so that later jobs queue up behind it."""

    def __init__(self, ran: list[Any]) -> None:
        self.ran = ran
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> None:
        self.ran.append("held")
        self.started.set()
        assert self.release.wait(WAIT_S)


def test_jobs_queued_while_busy_run_in_one_pass_then_one_flush() -> None:
    ran: list[Any] = []
    passes: list[list[Any]] = []

    def flush() -> None:
        passes.append(list(ran))
        ran.clear()

    jobs = JobThread("test-jobs", "test jobs", flush=flush)
    held = _Held(ran)
    jobs.put(held)
    assert held.started.wait(WAIT_S)
    for i in range(50):
        assert jobs.put(lambda i=i: ran.append(i))
    held.release.set()
    jobs.drain()
    assert passes == [["held"], list(range(50))]
    jobs.drain()  # nothing queued: returns at once, no empty flush
    assert len(passes) == 2
    jobs.close()


def test_a_failing_job_loses_only_itself(capsys: pytest.CaptureFixture[str]) -> None:
    ran: list[int] = []
    flushed: list[list[int]] = []
    jobs = JobThread("test-jobs", "test jobs", flush=lambda: flushed.append(list(ran)))
    held = _Held([])
    jobs.put(held)
    assert held.started.wait(WAIT_S)

    def fail() -> None:
        raise ValueError("sink down")

    jobs.put(lambda: ran.append(1))
    jobs.put(fail)
    jobs.put(lambda: ran.append(2))
    held.release.set()
    jobs.drain()
    assert flushed[-1] == [1, 2]
    assert "could not record test jobs: ValueError('sink down')" in capsys.readouterr().out
    jobs.close()


def test_a_full_queue_drops_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """``maxsize`` bounds the jobs waiting or running: memory stays bounded under load."""
    ran: list[Any] = []
    jobs = JobThread("test-jobs", "test jobs", maxsize=3)
    held = _Held(ran)
    assert jobs.put(held)
    assert held.started.wait(WAIT_S)
    assert jobs.put(lambda: ran.append(1))
    assert jobs.put(lambda: ran.append(2))
    assert not jobs.put(lambda: ran.append(3))
    assert "test jobs is behind; one record was dropped" in capsys.readouterr().out
    held.release.set()
    jobs.drain()
    assert ran == ["held", 1, 2]
    assert jobs.put(lambda: ran.append(4))  # room again once the thread caught up
    jobs.close()  # runs what was queued before it
    assert ran == ["held", 1, 2, 4]


def test_jobs_arriving_while_it_lingers_share_one_pass_and_drain_does_not_wait() -> None:
    """A thread woken by a job gathers more for ``linger`` seconds (an hour here) before
    its pass; drain() does not wait for that: it hurries the thread, as does close()."""
    ran: list[int] = []
    passes: list[list[int]] = []

    def flush() -> None:
        passes.append(list(ran))
        ran.clear()

    jobs = JobThread("test-jobs", "test jobs", flush=flush, linger=3600.0)
    for i in range(10):
        assert jobs.put(lambda i=i: ran.append(i))
    drainer = threading.Thread(target=jobs.drain)
    drainer.start()
    drainer.join(WAIT_S)
    assert not drainer.is_alive()
    assert passes == [list(range(10))]
    jobs.put(lambda: ran.append(10))
    closer = threading.Thread(target=jobs.close)
    closer.start()
    closer.join(WAIT_S)
    assert not closer.is_alive()
    assert passes == [list(range(10)), [10]]


# -- Lambda telemetry into the local AWS ---------------------------------------------------
class _HeldLogSink(moto_bridge.MotoLogSink):
    """moto's log sink that holds the thread in its first write (so later invocations queue
    up) and remembers how many chunks each write brought."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[int] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def put_chunks(
        self,
        account: str,
        region: str,
        group: str,
        stream: str,
        chunks: list[list[tuple[int, str]]],
    ) -> list[Exception]:
        self.chunks.append(len(chunks))
        self.started.set()
        assert self.release.wait(WAIT_S)
        return super().put_chunks(account, region, group, stream, chunks)


def _function(name: str) -> FunctionConfig:
    return FunctionConfig(
        name=name,
        unqualified_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        version="$LATEST",
        region="us-east-1",
        account="123456789012",
        runtime="python3.12",
        handler="app.handler",
        memory_mb=128,
        timeout_s=3.0,
        code_sha="test",
        load_code=lambda: b"",
        log_group=f"/aws/lambda/{name}",
    )


def _invocation(i: int, start_ms: int, namespace: str) -> list[tuple[int, str]]:
    request_id = f"{i:08d}-0000-4000-8000-000000000000"
    emf = json.dumps(
        {
            "_aws": {
                "Timestamp": start_ms,
                "CloudWatchMetrics": [
                    {"Namespace": namespace, "Dimensions": [[]], "Metrics": [{"Name": "Items"}]}
                ],
            },
            "Items": i,
        }
    )
    return [
        (start_ms, f"START RequestId: {request_id} Version: $LATEST"),
        (start_ms + 1, emf),
        (start_ms + 2, f"END RequestId: {request_id}"),
        (start_ms + 2, tel.report_line(request_id, 1.5, 2, 128, 40, None)),
    ]


def _statistics(
    aws: Any, namespace: str, metric: str, dimensions: list[dict[str, str]]
) -> dict[str, float]:
    now = datetime.now(UTC)
    points = aws.client("cloudwatch").get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=dimensions,
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=10),
        Period=3600,
        Statistics=["Sum", "SampleCount", "Maximum"],
    )["Datapoints"]
    return {
        "Sum": sum(p["Sum"] for p in points),
        "SampleCount": sum(p["SampleCount"] for p in points),
        "Maximum": max((p["Maximum"] for p in points), default=0.0),
    }


def test_a_burst_of_invocations_reads_as_one_write_each(aws: Any) -> None:
    """N invocations queued while the thread is busy: one log write for the stream, and
    GetLogEvents, FilterLogEvents and GetMetricStatistics read exactly what N separate
    writes give (N REPORT lines in order with their timestamps, SampleCount N)."""
    name = f"batch-{uuid.uuid4().hex[:10]}"
    namespace = f"Batch/{name}"
    fn = _function(name)
    sink = _HeldLogSink()
    telemetry = tel.Telemetry(sink, moto_bridge.MotoMetricSink())
    stream = tel.stream_name("$LATEST", uuid.uuid4().hex)
    start = int(datetime.now(UTC).timestamp() * 1000) - 60_000
    values = {
        "Invocations": (1.0, "Count"),
        "Duration": (1.5, "Milliseconds"),
        "Errors": (0.0, "Count"),
        "ConcurrentExecutions": (1.0, "Count"),
    }
    written: list[tuple[int, str]] = []
    count = 40
    try:
        for i in range(count):
            lines = _invocation(i, start + 10 * i, namespace)
            written += lines
            telemetry.invoked(fn, stream, lines, None, values)
            if i == 0:  # the thread is now held in its first write: the rest queue up
                assert sink.started.wait(WAIT_S)
        sink.release.set()
        telemetry.drain()
    finally:
        sink.release.set()
        telemetry.close()
    assert sink.chunks == [1, count - 1]  # one write for the 39 queued invocations

    logs = aws.client("logs")
    events = logs.get_log_events(
        logGroupName=fn.log_group, logStreamName=stream, startFromHead=True
    )["events"]
    assert [(e["timestamp"], e["message"]) for e in events] == written
    reports = logs.filter_log_events(logGroupName=fn.log_group, filterPattern="REPORT")["events"]
    assert [e["message"].split()[2] for e in reports] == [
        f"{i:08d}-0000-4000-8000-000000000000" for i in range(count)
    ]
    assert {e["logStreamName"] for e in reports} == {stream}
    streams = logs.describe_log_streams(logGroupName=fn.log_group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [stream]

    by_function = [{"Name": "FunctionName", "Value": name}]
    assert _statistics(aws, "AWS/Lambda", "Invocations", by_function)["SampleCount"] == count
    assert _statistics(aws, "AWS/Lambda", "Invocations", by_function)["Sum"] == count
    assert _statistics(aws, "AWS/Lambda", "Duration", by_function)["SampleCount"] == count
    assert _statistics(aws, "AWS/Lambda", "ConcurrentExecutions", by_function)["Maximum"] == 1
    items = _statistics(aws, namespace, "Items", [])
    assert items["SampleCount"] == count
    assert items["Sum"] == sum(range(count))


def test_writes_out_of_time_order_stay_separate(
    aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two queued writes to one stream whose times go backwards (a clock step): each is
    stored as its own PutLogEvents would be, none refused (one joined PutLogEvents would be
    refused whole: its events must be in time order)."""
    name = f"order-{uuid.uuid4().hex[:10]}"
    fn = _function(name)
    sink = _HeldLogSink()
    telemetry = tel.Telemetry(sink, moto_bridge.MotoMetricSink())
    stream = tel.stream_name("$LATEST", uuid.uuid4().hex)
    now = int(datetime.now(UTC).timestamp() * 1000)
    first = [(now - 1000, "first held")]
    later = [(now, "later"), (now + 1, "later too")]
    earlier = [(now - 500, "earlier")]
    try:
        telemetry.log(fn, stream, first)
        assert sink.started.wait(WAIT_S)
        telemetry.log(fn, stream, later)
        telemetry.log(fn, stream, earlier)
        sink.release.set()
        telemetry.drain()
    finally:
        sink.release.set()
        telemetry.close()
    assert sink.chunks == [1, 2]
    logs = aws.client("logs")
    every = sorted(first + later + earlier)  # both reads give events in time order
    found = logs.filter_log_events(logGroupName=fn.log_group)["events"]
    assert [(e["timestamp"], e["message"]) for e in found] == every
    events = logs.get_log_events(
        logGroupName=fn.log_group, logStreamName=stream, startFromHead=True
    )["events"]
    assert [(e["timestamp"], e["message"]) for e in events] == every
    assert "could not record" not in capsys.readouterr().out


def test_a_metric_write_moto_refuses_loses_only_itself(
    aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """A NaN value (an EMF line can carry one) is refused as PutMetricData refuses it; the
    other writes of the same pass are stored."""
    name = f"nan-{uuid.uuid4().hex[:10]}"
    fn = _function(name)
    sink = _HeldLogSink()
    telemetry = tel.Telemetry(sink, moto_bridge.MotoMetricSink())
    stamp = datetime.now(UTC).replace(tzinfo=None)

    def datum(value: float) -> list[dict[str, Any]]:
        return [{"MetricName": "Value", "Value": value, "Dimensions": [], "Timestamp": stamp}]

    try:
        telemetry.log(fn, "held", [(int(stamp.timestamp() * 1000), "hold")])
        assert sink.started.wait(WAIT_S)
        telemetry.metrics(fn, datum(1.0), namespace=f"Nan/{name}")
        telemetry.metrics(fn, datum(float("nan")), namespace=f"Nan/{name}")
        telemetry.metrics(fn, datum(2.0), namespace=f"Nan/{name}")
        sink.release.set()
        telemetry.drain()
    finally:
        sink.release.set()
        telemetry.close()
    assert _statistics(aws, f"Nan/{name}", "Value", []) == {
        "Sum": 3.0,
        "SampleCount": 2,
        "Maximum": 2.0,
    }
    out = capsys.readouterr().out
    assert "could not record Lambda telemetry: InvalidParameterValue" in out
