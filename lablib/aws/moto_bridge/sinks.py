"""Logs and metrics written straight into moto's CloudWatch Logs and CloudWatch backends.

Telemetry threads hand over what one pass collected as chunks (one per original write):
``put_chunks`` stores them exactly as that many PutLogEvents / PutMetricData calls would, with
fewer calls into moto. Log chunks for one stream become one call when their events stay in
time order and no subscription filter would see the grouping (a filter gets one delivery
per call); metric chunks become moto datums directly when every entry is a plain value
(anything else goes through moto's own PutMetricData and its checks, chunk by chunk).
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend, Dimension, MetricDatum, cloudwatch_backends
from moto.logs.models import LogGroup, LogsBackend, logs_backends

from lablib.aws.moto_bridge.backends import region_backend

_DAY_MS = 86_400_000
_PLAIN_KEYS = frozenset(("MetricName", "Value", "Unit", "Dimensions", "Timestamp"))
_NO_DIMENSIONS: list[dict[str, str]] = []


def check_patch_points() -> None:
    """Fail loudly when moto changed what these writers rely on."""
    for cls, attr in (
        (LogsBackend, "ensure_log_group"),
        (LogsBackend, "create_log_stream"),
        (LogsBackend, "put_log_events"),
        (LogGroup, "put_log_events"),
        (CloudWatchBackend, "put_metric_data"),
    ):
        if not hasattr(cls, attr):
            raise RuntimeError(f"moto {cls.__name__}.{attr} moved")
    datum = MetricDatum("n", "m", 1.0, [{"Name": "a", "Value": "b"}], datetime.now(UTC), "Count")
    if set(vars(datum)) != {"namespace", "name", "timestamp", "dimensions", "unit", "value"}:
        raise RuntimeError("moto MetricDatum changed its attributes")


def _in_order(events: list[tuple[int, str]]) -> bool:
    return all(events[i][0] <= events[i + 1][0] for i in range(len(events) - 1))


class MotoLogSink:
    def put(
        self, account: str, region: str, group: str, stream: str, events: list[tuple[int, str]]
    ) -> None:
        problems = self.put_chunks(account, region, group, stream, [events])
        if problems:
            raise problems[0]

    def put_chunks(
        self,
        account: str,
        region: str,
        group: str,
        stream: str,
        chunks: list[list[tuple[int, str]]],
    ) -> list[Exception]:
        """Store each chunk as one PutLogEvents would (creating the group and stream when
        missing); the problems of the chunks that could not be stored, in order."""
        try:
            backend = region_backend(logs_backends, account, region)
            backend.ensure_log_group(group)
            log_group = backend.groups[group]
            if stream not in log_group.streams:
                backend.create_log_stream(group, stream)
        except Exception as exc:
            return [exc]
        if len(chunks) > 1 and not log_group.subscription_filters:
            joined = [event for chunk in chunks for event in chunk]
            if _in_order(joined):
                chunks = [joined]
        problems: list[Exception] = []
        for events in chunks:
            try:
                _put_events(backend, log_group, group, stream, events)
            except Exception as exc:
                problems.append(exc)
        return problems


def _put_events(
    backend: Any, log_group: Any, group: str, stream: str, events: list[tuple[int, str]]
) -> None:
    """LogsBackend.put_log_events for events in time order: those within AWS's window (14
    days back, 2 hours ahead) are stored; moto's own call for anything else (its errors)."""
    dicts: list[dict[str, Any]] = [{"timestamp": ts, "message": m} for ts, m in events]
    if not _in_order(events):
        backend.put_log_events(group, stream, dicts)
        return
    now_ms = time.time() * 1000
    oldest, newest = int(now_ms - 14 * _DAY_MS), int(now_ms + _DAY_MS / 12)
    if events and (events[0][0] < oldest or events[-1][0] > newest):
        dicts = [event for event in dicts if oldest <= event["timestamp"] <= newest]
    log_group.put_log_events(stream, dicts)


class MotoMetricSink:
    def put(self, account: str, region: str, namespace: str, data: list[dict[str, Any]]) -> None:
        problems = self.put_chunks(account, region, namespace, [data])
        if problems:
            raise problems[0]

    def put_chunks(
        self, account: str, region: str, namespace: str, chunks: list[list[dict[str, Any]]]
    ) -> list[Exception]:
        """Store each chunk as one PutMetricData would; the problems of those refused."""
        try:
            backend = region_backend(cloudwatch_backends, account, region)
        except Exception as exc:
            return [exc]
        datums = _plain_datums(namespace, chunks)
        if datums is not None:
            backend.metric_data.extend(datums)
            return []
        problems: list[Exception] = []
        for data in chunks:
            try:
                backend.put_metric_data(namespace, data)
            except Exception as exc:
                problems.append(exc)
        return problems


def _plain_datums(namespace: str, chunks: list[list[dict[str, Any]]]) -> list[Any] | None:
    """The MetricDatum objects moto's put_metric_data would store, when every entry is one
    plain value with its time (None: let moto handle them). Entries that share a dimension
    list share its Dimension objects (moto only reads them)."""
    built: dict[int, list[Dimension]] = {}
    out = []
    try:
        for data in chunks:
            for entry in data:
                value = entry.get("Value", 0.0)
                timestamp = entry.get("Timestamp")
                if (
                    not _PLAIN_KEYS.issuperset(entry)
                    or timestamp is None
                    or not isinstance(value, int | float)
                    or math.isnan(value)
                ):
                    return None
                dims = entry.get("Dimensions", _NO_DIMENSIONS)
                dimensions = built.get(id(dims))
                if dimensions is None:
                    dimensions = [Dimension(d["Name"], d["Value"]) for d in dims]
                    built[id(dims)] = dimensions
                datum = MetricDatum(
                    namespace, entry["MetricName"], float(value), [], timestamp, entry.get("Unit")
                )
                datum.dimensions = dimensions
                out.append(datum)
    except (KeyError, TypeError):
        return None
    return out
