"""EventBridge schedules on the lab clock: ``rate(...)`` and ``cron(...)`` rules fire their
Lambda targets (through the same push path as other EventBridge events: resource policy
check, asynchronous invoke). At 60x, ``rate(1 minute)`` fires every real second.

Cron fields: minutes hours day-of-month month day-of-week year; supports ``*``, ``?``, numbers,
ranges ``a-b``, lists ``a,b``, steps ``*/n`` and ``a/n``, month and weekday names. ``L``, ``W``
and ``#`` are not supported (such a rule never fires, and the server output says so).
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from lablib.aws.moto_bridge import event_sources as bridge
from lablib.events import records

TICK_S = 0.02
MAX_FIRES_PER_TICK = 5
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {
    m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())
}
_DAYS = {d: i + 1 for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}


class ScheduleError(ValueError):
    pass


def rate_seconds(expression: str) -> float | None:
    match = _RATE.match(expression.strip())
    if not match:
        return None
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        raise ScheduleError(f"{expression}: the value must be a positive whole number")
    return float(value * _UNITS[unit.rstrip("s")])


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    if text in ("*", "?"):
        return set(range(low, high + 1))
    out: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleError(f"cron value {part!r} is outside {low}-{high}")
        out.update(range(start, end + 1, step))
    return out


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ScheduleError(f"cron value {text!r} is not supported here (L, W and # are not)")
    return int(text)


class Cron:
    def __init__(self, expression: str) -> None:
        match = _CRON.match(expression.strip())
        if not match:
            raise ScheduleError(f"{expression!r} is not cron(...)")
        fields = match.group(1).split()
        if len(fields) != 6:
            raise ScheduleError(
                "cron() needs 6 fields: minutes hours day-of-month month day-of-week year"
            )
        self.minutes = _field(fields[0], 0, 59)
        self.hours = _field(fields[1], 0, 23)
        self.days = _field(fields[2], 1, 31)
        self.months = _field(fields[3], 1, 12, _MONTHS)
        self.weekdays = _field(fields[4], 1, 7, _DAYS)
        self.years = _field(fields[5], 1970, 2199)
        self._dom_any = fields[2] in ("*", "?")
        self._dow_any = fields[4] in ("*", "?")

    def _day_ok(self, moment: datetime) -> bool:
        dow = (moment.weekday() + 1) % 7 + 1
        return (self._dom_any or moment.day in self.days) and (
            self._dow_any or dow in self.weekdays
        )

    def next_after(self, epoch: float) -> float | None:
        moment = datetime.fromtimestamp(epoch, UTC).replace(second=0, microsecond=0)
        moment += timedelta(minutes=1)
        for _ in range(200_000):
            if moment.year not in self.years:
                if moment.year > max(self.years):
                    return None
                moment = datetime(moment.year + 1, 1, 1, tzinfo=UTC)
            elif moment.month not in self.months:
                month = moment.month + 1
                year = moment.year + (month > 12)
                moment = datetime(year, (month - 1) % 12 + 1, 1, tzinfo=UTC)
            elif not self._day_ok(moment):
                moment = (moment + timedelta(days=1)).replace(hour=0, minute=0)
            elif moment.hour not in self.hours:
                moment = (moment + timedelta(hours=1)).replace(minute=0)
            elif moment.minute not in self.minutes:
                moment += timedelta(minutes=1)
            else:
                return moment.timestamp()
        return None


def next_fire(expression: str, after: float) -> float | None:
    """The next lab-clock time a schedule fires after ``after`` (epoch seconds)."""
    period = rate_seconds(expression)
    if period is not None:
        return after + period
    return Cron(expression).next_after(after)


class ScheduleRunner:
    """One thread: fires due schedule rules on the lab clock."""

    def __init__(self, clock: Any, push: Any) -> None:
        self.clock = clock
        self.push = push
        self.fired: dict[str, int] = {}
        self._due: dict[str, tuple[str, float]] = {}  # rule arn -> (expression, due lab time)
        self._broken: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="eventbridge-schedules", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(TICK_S):
            try:
                self.tick()
            except Exception as exc:
                print(f"lablib: events: schedule runner: {exc!r}", flush=True)

    def tick(self) -> None:
        now = self.clock.now()
        seen = set()
        for rule in bridge.schedule_rules():
            arn, expression = rule["arn"], rule["expression"]
            if rule["state"] != "ENABLED":
                continue
            seen.add(arn)
            known = self._due.get(arn)
            if known is None or known[0] != expression:
                due = self._next(arn, expression, now)
                if due is None:
                    continue
                self._due[arn] = (expression, due)
                continue
            due = known[1]
            fires = 0
            while due <= now and fires < MAX_FIRES_PER_TICK:
                self._fire(rule, due)
                fires += 1
                following = self._next(arn, expression, due)
                if following is None:
                    break
                due = following
            if due <= now:  # far behind (e.g. a huge clock scale): skip, as a missed schedule
                due = self._next(arn, expression, now) or now
            self._due[arn] = (expression, due)
        for arn in list(self._due):
            if arn not in seen:
                del self._due[arn]

    def _next(self, arn: str, expression: str, after: float) -> float | None:
        try:
            return next_fire(expression, after)
        except ScheduleError as exc:
            if arn not in self._broken:
                self._broken.add(arn)
                print(f"lablib: events: schedule of {arn} will not fire: {exc}", flush=True)
            return None

    def _fire(self, rule: dict[str, Any], when: float) -> None:
        event = records.scheduled_event(rule["arn"], when)
        self.fired[rule["arn"]] = self.fired.get(rule["arn"], 0) + 1
        for target in rule["targets"]:
            if ":lambda:" in target.get("Arn", ""):
                self.push("events", target["Arn"], rule["arn"], {"event": event, "target": target})

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
