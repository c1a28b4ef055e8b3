"""moto internals for CloudWatch alarms: reading alarms and raw datapoints for the alarm
evaluator (lablib.deploy.alarms), changing alarm state with AWS-shaped history, and the
``DescribeAlarmHistory`` action moto lacks.

Patches (idempotent, ``install_patches()``): a new alarm starts in ``INSUFFICIENT_DATA`` as on
AWS (moto starts in ``OK``); every state change and executed action is kept as an AWS history
item; ``CloudWatchResponse.describe_alarm_history`` serves them; ``put_metric_alarm`` tells
the callbacks of ``on_alarm_created`` (the evaluator sleeps while there is no alarm).
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import Alarm, CloudWatchBackend, cloudwatch_backends
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult

from lablib.aws.moto_bridge.once import once

_history_lock = threading.Lock()
HISTORY_LIMIT = 1000
_created_lock = threading.Lock()
_created: list[Callable[[], None]] = []  # told of each new alarm (the evaluator's wake-up)


@dataclass(frozen=True)
class AlarmSpec:
    """A metric alarm's definition and current state, as plain values."""

    account: str
    region: str
    name: str
    arn: str
    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    statistic: str | None
    extended_statistic: str | None
    treat_missing_data: str
    actions_enabled: bool
    alarm_actions: tuple[str, ...]
    ok_actions: tuple[str, ...]
    insufficient_data_actions: tuple[str, ...]
    state: str
    description: str


@dataclass(frozen=True)
class Sample:
    """One stored datapoint: a single value, or a StatisticSet."""

    timestamp: float
    sum: float
    minimum: float
    maximum: float
    count: float
    value: float | None


def check_patch_points() -> None:
    for attr in ("update_state", "__init__"):
        if not hasattr(Alarm, attr):
            raise RuntimeError(f"moto.cloudwatch.models.Alarm.{attr} moved")
    if not hasattr(CloudWatchBackend, "put_metric_alarm"):
        raise RuntimeError("moto.cloudwatch.models.CloudWatchBackend.put_metric_alarm moved")
    if not hasattr(CloudWatchResponse, "describe_alarms"):
        raise RuntimeError("moto.cloudwatch.responses.CloudWatchResponse moved")


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(when: datetime) -> str:
    return (
        when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"
    )


def _add_history(alarm: Any, kind: str, summary: str, data: dict[str, Any]) -> None:
    with _history_lock:
        history: list[dict[str, Any]] = getattr(alarm, "lablib_history", [])
        history.append(
            {
                "AlarmName": alarm.name,
                "AlarmType": "MetricAlarm" if alarm.rule is None else "CompositeAlarm",
                "Timestamp": _now(),
                "HistoryItemType": kind,
                "HistorySummary": summary,
                "HistoryData": json.dumps(data),
            }
        )
        del history[:-HISTORY_LIMIT]
        alarm.lablib_history = history


@once
def install_patches() -> None:
    """Make moto's alarms start as AWS's do and keep an AWS-shaped history (once)."""
    check_patch_points()
    original_init = Alarm.__init__
    original_update = Alarm.update_state

    @functools.wraps(original_init)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.state_value = "INSUFFICIENT_DATA"
        self.lablib_history = []
        _add_history(
            self,
            "ConfigurationUpdate",
            f'Alarm "{self.name}" created',
            {"type": "Create", "version": "1.0"},
        )

    @functools.wraps(original_update)
    def update_state(self: Any, reason: str, reason_data: str, state_value: str) -> None:
        old = self.state_value
        original_update(self, reason, reason_data, state_value)
        if old != state_value:
            _add_history(
                self,
                "StateUpdate",
                f"Alarm updated from {old} to {state_value}",
                {
                    "version": "1.0",
                    "oldState": {"stateValue": old},
                    "newState": {
                        "stateValue": state_value,
                        "stateReason": reason,
                        "stateReasonData": _json_or_none(reason_data),
                    },
                },
            )

    original_put = CloudWatchBackend.put_metric_alarm

    @functools.wraps(original_put)
    def put_metric_alarm(self: Any, *args: Any, **kwargs: Any) -> Any:
        alarm = original_put(self, *args, **kwargs)
        for callback in list(_created):  # once stored, so the evaluator's pass sees it
            callback()
        return alarm

    Alarm.__init__ = init  # type: ignore[method-assign]
    Alarm.update_state = update_state  # type: ignore[method-assign]
    CloudWatchBackend.put_metric_alarm = put_metric_alarm  # type: ignore[method-assign]
    CloudWatchResponse.describe_alarm_history = _describe_alarm_history  # type: ignore[attr-defined]


def _json_or_none(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _describe_alarm_history(self: Any) -> ActionResult:
    backend = cloudwatch_backends[self.current_account][self.region]
    name = self._get_param("AlarmName")
    kind = self._get_param("HistoryItemType")
    start = self._get_param("StartDate")
    end = self._get_param("EndDate")
    limit = int(self._get_param("MaxRecords") or 100)
    ascending = self._get_param("ScanBy") == "TimestampAscending"
    items: list[dict[str, Any]] = []
    with _history_lock:
        for alarm in list(backend.alarms.values()):
            if name and alarm.name != name:
                continue
            items.extend(getattr(alarm, "lablib_history", []))
    items = [
        item
        for item in items
        if (not kind or item["HistoryItemType"] == kind)
        and (start is None or item["Timestamp"] >= _aware(start))
        and (end is None or item["Timestamp"] <= _aware(end))
    ]
    items.sort(key=lambda item: item["Timestamp"], reverse=not ascending)
    return ActionResult({"AlarmHistoryItems": items[:limit]})


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


# -- reading ---------------------------------------------------------------------------------
def on_alarm_created(callback: Callable[[], None]) -> None:
    """Call ``callback`` (no arguments, quick) whenever an alarm is created or replaced."""
    with _created_lock:
        _created.append(callback)


def forget_alarm_created(callback: Callable[[], None]) -> None:
    with _created_lock:
        if callback in _created:
            _created.remove(callback)


def metric_alarms() -> list[AlarmSpec]:
    """Every single-metric alarm in every account and region moto has loaded."""
    specs = []
    for account, regions in list(cloudwatch_backends.items()):
        for region, backend in list(regions.items()):
            for alarm in list(backend.alarms.values()):
                if alarm.rule is not None or alarm.metric_data_queries or not alarm.metric_name:
                    continue
                specs.append(
                    AlarmSpec(
                        account=account,
                        region=region,
                        name=alarm.name,
                        arn=alarm.alarm_arn,
                        namespace=alarm.namespace,
                        metric_name=alarm.metric_name,
                        dimensions=tuple(
                            sorted((str(d.name), str(d.value)) for d in alarm.dimensions)
                        ),
                        period=int(alarm.period),
                        evaluation_periods=int(alarm.evaluation_periods),
                        datapoints_to_alarm=int(
                            alarm.datapoints_to_alarm or alarm.evaluation_periods
                        ),
                        threshold=float(alarm.threshold),
                        comparison=str(alarm.comparison_operator),
                        statistic=alarm.statistic,
                        extended_statistic=alarm.extended_statistic,
                        treat_missing_data=alarm.treat_missing_data or "missing",
                        actions_enabled=bool(alarm.actions_enabled),
                        alarm_actions=tuple(alarm.alarm_actions or ()),
                        ok_actions=tuple(alarm.ok_actions or ()),
                        insufficient_data_actions=tuple(alarm.insufficient_data_actions or ()),
                        state=str(alarm.state_value),
                        description=alarm.description or "",
                    )
                )
    return specs


def samples(
    account: str,
    region: str,
    namespace: str,
    metric_name: str,
    dimensions: tuple[tuple[str, str], ...],
    since: float,
) -> list[Sample]:
    """Datapoints of exactly this metric (same dimension set) stored at or after ``since``."""
    backend = cloudwatch_backends[account][region]
    wanted = set(dimensions)
    out = []
    for datum in list(backend.metric_data):
        if datum.namespace != namespace or datum.name != metric_name:
            continue
        when = _aware(datum.timestamp).timestamp()
        if when < since:
            continue
        if {(str(d.name), str(d.value)) for d in datum.dimensions} != wanted:
            continue
        stats: Any = datum
        if hasattr(stats, "value"):
            v = float(stats.value)
            out.append(Sample(when, v, v, v, 1.0, v))
        else:
            out.append(
                Sample(
                    when,
                    float(stats.sum),
                    float(stats.min),
                    float(stats.max),
                    float(stats.sample_count),
                    None,
                )
            )
    return out


# -- writing ---------------------------------------------------------------------------------
def set_state(
    account: str, region: str, name: str, state: str, reason: str, reason_data: dict[str, Any]
) -> str | None:
    """Move an alarm to ``state``; returns the old state, or None if the alarm is gone."""
    alarm = cloudwatch_backends[account][region].alarms.get(name)
    if alarm is None:
        return None
    old = str(alarm.state_value)
    if old != state:
        alarm.update_state(reason, json.dumps(reason_data), state)
    return old


def record_action(account: str, region: str, name: str, summary: str, ok: bool) -> None:
    """Keep an ``Action`` history item (an alarm action was executed or failed)."""
    alarm = cloudwatch_backends[account][region].alarms.get(name)
    if alarm is not None:
        _add_history(
            alarm,
            "Action",
            summary,
            {"actionState": "Succeeded" if ok else "Failed", "notificationResource": summary},
        )


def state_change_time(account: str, region: str, name: str) -> str:
    alarm = cloudwatch_backends[account][region].alarms.get(name)
    when = alarm.state_updated_timestamp if alarm is not None else _now()
    return _iso(_aware(when))
