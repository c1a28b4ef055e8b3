"""CloudWatch metric alarms evaluated for real, on the lab clock.

Every ``tick`` real seconds the evaluator reads each single-metric alarm, takes the datapoints
of its metric (exact dimension set, as on AWS) for the last ``EvaluationPeriods`` periods, and
applies the statistic, the threshold and ``DatapointsToAlarm`` (M out of N) and
``TreatMissingData``. A period of 60 s lasts 1 s at the default 60x lab clock. Unlike AWS,
periods are a sliding window ending now (not aligned to the minute), so an alarm reacts
within a tick. State changes are written through the moto bridge (visible in describe_alarms
and describe_alarm_history) and trigger the alarm's SNS actions.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from lablib.aws.clock import LabClock
from lablib.aws.moto_bridge import cloudwatch as bridge

COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-central-1": "EU (Frankfurt)",
}


def statistic(name: str, points: Sequence[bridge.Sample]) -> float:
    """One CloudWatch statistic over a period's datapoints (pNN percentiles too)."""
    count = sum(p.count for p in points)
    if name == "SampleCount":
        return count
    if name == "Sum":
        return sum(p.sum for p in points)
    if name == "Average":
        return sum(p.sum for p in points) / count if count else 0.0
    if name == "Minimum":
        return min(p.minimum for p in points)
    if name == "Maximum":
        return max(p.maximum for p in points)
    if name.startswith("p"):
        values = sorted(p.value if p.value is not None else p.sum / p.count for p in points)
        rank = float(name[1:]) / 100 * (len(values) - 1)
        low, high = math.floor(rank), math.ceil(rank)
        return values[low] + (values[high] - values[low]) * (rank - low)
    raise ValueError(f"unknown statistic {name!r}")


def evaluate(
    alarm: bridge.AlarmSpec, clock: LabClock, now: float
) -> tuple[str, str, dict[str, Any]] | None:
    """(new state, reason, reason data) for ``alarm`` at real time ``now``; None = keep."""
    period = clock.real_seconds(alarm.period)
    n = alarm.evaluation_periods
    points = bridge.samples(
        alarm.account,
        alarm.region,
        alarm.namespace,
        alarm.metric_name,
        alarm.dimensions,
        now - period * n,
    )
    stat = alarm.extended_statistic or alarm.statistic or "Average"
    values: list[float | None] = []
    for i in range(n):  # newest first
        end, start = now - i * period, now - (i + 1) * period
        inside = [
            p for p in points if start <= p.timestamp < end or (i == 0 and p.timestamp >= end)
        ]
        values.append(statistic(stat, inside) if inside else None)
    compare, words = COMPARISONS.get(alarm.comparison, COMPARISONS["GreaterThanThreshold"])
    present = [v for v in values if v is not None]
    breaching = sum(1 for v in present if compare(v, alarm.threshold))
    missing = len(values) - len(present)
    if alarm.treat_missing_data == "breaching":
        breaching += missing
    data = {
        "version": "1.0",
        "queryDate": _iso(now),
        "statistic": stat,
        "period": alarm.period,
        "recentDatapoints": [round(v, 6) for v in present],
        "threshold": alarm.threshold,
        "evaluatedDatapoints": [
            {"timestamp": _iso(now - i * period), "value": v}
            for i, v in enumerate(values)
            if v is not None
        ],
    }
    shown = ", ".join(
        f"{v:g} ({_short(now - i * period)})" for i, v in enumerate(values) if v is not None
    )
    if breaching >= alarm.datapoints_to_alarm:
        count = breaching
        reason = (
            f"Threshold Crossed: {count} out of the last {n} datapoints [{shown}] "
            f"{'was' if count == 1 else 'were'} {words} the threshold ({alarm.threshold:g}) "
            f"(minimum {alarm.datapoints_to_alarm} "
            f"datapoint{'s' if alarm.datapoints_to_alarm > 1 else ''} for OK -> ALARM transition)."
        )
        return "ALARM", reason, data
    if not present:
        if alarm.treat_missing_data == "ignore":
            return None
        if alarm.treat_missing_data == "notBreaching":
            return (
                "OK",
                f"Threshold Crossed: no datapoints were received for {n} periods and {n} "
                "missing datapoints were treated as [NonBreaching].",
                data,
            )
        return (
            "INSUFFICIENT_DATA",
            f"Insufficient Data: {n} datapoint{'s were' if n > 1 else ' was'} unknown.",
            data,
        )
    reason = (
        f"Threshold Crossed: {len(present)} datapoint{'s' if len(present) > 1 else ''} [{shown}] "
        f"{'was' if len(present) == 1 else 'were'} not {words} the threshold ({alarm.threshold:g})."
    )
    return "OK", reason, data


def _iso(epoch: float) -> str:
    when = datetime.fromtimestamp(epoch, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


def _short(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%d/%m/%y %H:%M:%S")


class AlarmEvaluator:
    """A single background thread evaluating every metric alarm each ``tick`` seconds; while
    there is no metric alarm it sleeps until one is created."""

    def __init__(
        self,
        clock: LabClock,
        publish: Callable[[str, str, str, str], None],
        drain: Callable[[], None] = lambda: None,
        tick: float = 0.1,
        active: Callable[[], bool] = lambda: True,
    ) -> None:
        self.clock = clock
        self.publish = publish  # (region, topic arn, subject, message)
        self.drain = drain
        self.tick = tick
        self.active = active
        self._stop = threading.Event()
        self._wake = threading.Event()  # an alarm was created (or the evaluator closes)
        self.parked = False  # waiting for an alarm to exist (tests: no passes while idle)
        self._alarms = 0  # single-metric alarms seen by the last pass
        self.passes = 0  # evaluation passes made by the background thread
        self._thread = threading.Thread(target=self._run, name="alarm-evaluator", daemon=True)

    def start(self) -> AlarmEvaluator:
        bridge.on_alarm_created(self._wake.set)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.tick):
            if not self.active():
                continue
            self._wake.clear()  # before the pass: an alarm created from here on wakes us
            self.passes += 1
            try:
                self.evaluate_all()
            except Exception as exc:  # one bad alarm must not stop evaluation
                print(f"lablib: alarm evaluation failed: {exc!r}", flush=True)
                continue
            if not self._alarms:
                self.parked = True
                self._wake.wait()
                self.parked = False

    def evaluate_all(self, now: float | None = None) -> list[tuple[str, str, str]]:
        """Evaluate every alarm once; returns (alarm, old state, new state) for changes."""
        self.drain()
        now = time.time() if now is None else now
        changes = []
        alarms = bridge.metric_alarms()
        self._alarms = len(alarms)
        for alarm in alarms:
            outcome = evaluate(alarm, self.clock, now)
            if outcome is None or outcome[0] == alarm.state:
                continue
            state, reason, data = outcome
            old = bridge.set_state(alarm.account, alarm.region, alarm.name, state, reason, data)
            if old is None or old == state:
                continue
            changes.append((alarm.name, old, state))
            self._actions(alarm, old, state, reason)
        return changes

    def _actions(self, alarm: bridge.AlarmSpec, old: str, state: str, reason: str) -> None:
        if not alarm.actions_enabled:
            return
        targets = {
            "ALARM": alarm.alarm_actions,
            "OK": alarm.ok_actions,
            "INSUFFICIENT_DATA": alarm.insufficient_data_actions,
        }[state]
        region_name = REGION_NAMES.get(alarm.region, alarm.region)
        message = json.dumps(
            {
                "AlarmName": alarm.name,
                "AlarmDescription": alarm.description or None,
                "AWSAccountId": alarm.account,
                "AlarmConfigurationUpdatedTimestamp": None,
                "NewStateValue": state,
                "NewStateReason": reason,
                "StateChangeTime": bridge.state_change_time(
                    alarm.account, alarm.region, alarm.name
                ),
                "Region": region_name,
                "AlarmArn": alarm.arn,
                "OldStateValue": old,
                "OKActions": list(alarm.ok_actions),
                "AlarmActions": list(alarm.alarm_actions),
                "InsufficientDataActions": list(alarm.insufficient_data_actions),
                "Trigger": {
                    "MetricName": alarm.metric_name,
                    "Namespace": alarm.namespace,
                    "StatisticType": "ExtendedStatistic"
                    if alarm.extended_statistic
                    else "Statistic",
                    "Statistic": (alarm.statistic or "").upper() or None,
                    "ExtendedStatistic": alarm.extended_statistic,
                    "Unit": None,
                    "Dimensions": [{"value": v, "name": k} for k, v in alarm.dimensions],
                    "Period": alarm.period,
                    "EvaluationPeriods": alarm.evaluation_periods,
                    "DatapointsToAlarm": alarm.datapoints_to_alarm,
                    "ComparisonOperator": alarm.comparison,
                    "Threshold": alarm.threshold,
                    "TreatMissingData": alarm.treat_missing_data,
                    "EvaluateLowSampleCountPercentile": "",
                },
            }
        )
        subject = f'{state}: "{alarm.name}" in {region_name}'[:100]
        for target in targets:
            if ":sns:" not in target:
                continue
            try:
                self.publish(alarm.region, target, subject, message)
                ok = True
            except Exception as exc:
                ok = False
                print(f"lablib: alarm {alarm.name} could not notify {target}: {exc}", flush=True)
            verb = "Successfully executed" if ok else "Failed to execute"
            bridge.record_action(
                alarm.account, alarm.region, alarm.name, f"{verb} action {target}", ok
            )

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        bridge.forget_alarm_created(self._wake.set)
        if self._thread.is_alive():
            self._thread.join(5)
