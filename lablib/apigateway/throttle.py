"""Step 4: throttling and quotas. Token buckets (rate per second, burst) for the account
(10,000 / 5,000), the stage (method settings ``*/*``), a method (``/path/METHOD`` settings
override the stage's) and, for a request with an API key, the usage plan (its own limits,
per-method limits, and a DAY/WEEK/MONTH quota). Throttled: 429 "Too Many Requests"; quota
spent: 429 "Limit Exceeded". Buckets refill in real time (throttling is never scaled)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lablib.apigateway.context import Call
from lablib.apigateway.errors import GatewayError
from lablib.aws.moto_bridge import apigateway as bridge

ACCOUNT_RATE, ACCOUNT_BURST = 10_000.0, 5_000


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate = max(0.0, rate)
        self.burst = max(0, burst)
        self.tokens = float(self.burst)
        self.stamp = time.monotonic()

    def take(self, now: float) -> bool:
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        self.stamp = max(now, self.stamp)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def method_setting_key(resource_path: str, method: str) -> str:
    return resource_path.replace("/", "~1") + "/" + method


def settings_for(call: Call) -> tuple[str, dict[str, Any]] | None:
    """The method settings that apply: the method's own over the stage's ``*/*`` (fields the
    method does not set are inherited from ``*/*``)."""
    if call.stage is None:
        return None
    settings = call.stage.method_settings
    stage_wide = settings.get("*/*")
    keys = [method_setting_key(call.resource_path, call.request.method)]
    if call.method is not None and call.method.http_method == "ANY":
        keys.append(method_setting_key(call.resource_path, "ANY"))
    for key in keys:
        if key in settings:
            return key, {**(stage_wide or {}), **settings[key]}
    return ("*/*", stage_wide) if stage_wide is not None else None


def _period_start(period: str, offset: int, today: date) -> date:
    period = period.upper()
    if period == "DAY":
        return today
    if period == "WEEK":
        start = today - timedelta(days=(today.weekday() - offset) % 7)
        return start
    first = today.replace(day=1)
    return first + timedelta(days=offset) if offset and today.day > offset else first


class Limiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[tuple[Any, ...], TokenBucket] = {}
        # (plan id, key id, day iso) -> requests counted against the quota that day
        self.daily: dict[tuple[str, str, str], int] = {}
        self._spent: dict[tuple[str, str, str, str], int] = {}

    def _take(self, key: tuple[Any, ...], rate: float, burst: int, now: float) -> bool:
        full_key = key + (rate, burst)
        bucket = self._buckets.get(full_key)
        if bucket is None:
            bucket = self._buckets[full_key] = TokenBucket(rate, burst)
            if len(self._buckets) > 50_000:
                self._buckets.clear()
        return bucket.take(now)

    def check(self, call: Call) -> None:
        now = time.monotonic()
        req = call.request
        with self._lock:
            if not self._take(("account", call.region), ACCOUNT_RATE, ACCOUNT_BURST, now):
                raise GatewayError("THROTTLED", "account-level throttle")
            found = settings_for(call)
            if found is not None:
                key, setting = found
                rate = float(setting.get("throttlingRateLimit", ACCOUNT_RATE))
                burst = int(setting.get("throttlingBurstLimit", ACCOUNT_BURST))
                if not self._take(("stage", req.api_id, req.stage, key), rate, burst, now):
                    raise GatewayError(
                        "THROTTLED", f"throttled by method settings {key} ({rate}/s, burst {burst})"
                    )
            if call.usage_plan_id and call.api_key_id:
                self._usage_plan(call, now)

    def _usage_plan(self, call: Call, now: float) -> None:
        assert call.usage_plan_id and call.api_key_id
        plan = None
        for candidate in bridge.usage_plans(
            call.account, call.region, call.request.api_id, call.request.stage
        ):
            if candidate.id == call.usage_plan_id:
                plan = candidate
        if plan is None:
            return
        key_id = call.api_key_id
        per_method = plan.method_throttle.get(f"{call.resource_path}/{call.request.method}")
        for scope, throttle in (("method", per_method), ("plan", plan.throttle)):
            if throttle and ("rateLimit" in throttle or "burstLimit" in throttle):
                rate = float(throttle.get("rateLimit", ACCOUNT_RATE))
                burst = int(throttle.get("burstLimit", ACCOUNT_BURST))
                bucket_key = (
                    "plan",
                    plan.id,
                    key_id,
                    scope,
                    call.resource_path,
                    call.request.method if scope == "method" else "",
                )
                if not self._take(bucket_key, rate, burst, now):
                    raise GatewayError(
                        "THROTTLED", f"usage plan {plan.id} throttle ({rate}/s, burst {burst})"
                    )
        today = datetime.now(UTC).date()
        quota = plan.quota
        if quota and quota.get("limit") is not None:
            start = _period_start(
                str(quota.get("period", "MONTH")), int(quota.get("offset") or 0), today
            )
            spent_key = (plan.id, key_id, str(quota.get("period", "MONTH")), start.isoformat())
            used = self._spent.get(spent_key, 0)
            if used >= int(quota["limit"]):
                raise GatewayError(
                    "QUOTA_EXCEEDED", f"usage plan {plan.id} quota of {quota['limit']} used up"
                )
            self._spent[spent_key] = used + 1
        day_key = (plan.id, key_id, today.isoformat())
        self.daily[day_key] = self.daily.get(day_key, 0) + 1

    def usage(
        self, plan_id: str, quota: dict[str, Any], start: str, end: str, key_id: str | None
    ) -> dict[str, Any]:
        """GetUsage: per key, one [used, remaining] pair per day from start to end."""
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        if last < first:
            raise ValueError("endDate must not be before startDate")
        days = [(first + timedelta(days=i)) for i in range((last - first).days + 1)]
        with self._lock:
            keys = sorted({k for p, k, _ in self.daily if p == plan_id and (key_id in (None, k))})
            items: dict[str, list[list[int]]] = {}
            limit = quota.get("limit")
            period = str(quota.get("period", "MONTH"))
            offset = int(quota.get("offset") or 0)
            for key in keys:
                rows = []
                for day in days:
                    used = self.daily.get((plan_id, key, day.isoformat()), 0)
                    if limit is None:
                        remaining = 0
                    else:
                        period_start = _period_start(period, offset, day)
                        spent = sum(
                            self.daily.get(
                                (plan_id, key, (period_start + timedelta(days=i)).isoformat()), 0
                            )
                            for i in range((day - period_start).days + 1)
                        )
                        remaining = max(0, int(limit) - spent)
                    rows.append([used, remaining])
                items[key] = rows
        # "values" is the wire name of GetUsage's "items" member
        return {"usagePlanId": plan_id, "startDate": start, "endDate": end, "values": items}
