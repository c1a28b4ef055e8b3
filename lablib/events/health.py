"""Makes a failing event source poller visible where a learner looks, not only on stdout.

When the poller itself fails (not the function: a function error is ``PROBLEM: Function call
failed`` as on AWS), the mapping shows AWS's ``LastProcessingResult`` for an internal error,
the function's log group gets a line saying what failed (in a ``lablib/event-source-mapping``
stream, so it never mixes with the function's own output), and the ``LabLib/EventSources``
metric ``PollerErrors`` (dimension ``EventSourceMappingUUID``) counts each failure.
Log lines are limited to one per distinct error every ``LOG_EVERY_S`` seconds.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

from lablib.aws import moto_bridge
from lablib.aws.moto_bridge import event_sources as bridge

INTERNAL_ERROR = "PROBLEM: internal Lambda error. Please contact Lambda customer support."
NAMESPACE = "LabLib/EventSources"
METRIC = "PollerErrors"
LOG_EVERY_S = 10.0


def log_stream(uuid: str) -> str:
    return f"lablib/event-source-mapping/{uuid}"


class PollerHealth:
    """Failure reporting for one mapping's poller (thread-safe)."""

    def __init__(self, region: str, uuid: str, function_arn: str, local: Any) -> None:
        self.region = region
        self.uuid = uuid
        self.function_arn = function_arn
        self.local = local
        self.failures = 0
        self._lock = threading.Lock()
        self._logged: dict[str, float] = {}

    def failed(self, where: str, exc: BaseException) -> None:
        """One failure of the poller (it keeps running and retries)."""
        detail = f"{type(exc).__name__}: {exc}"
        print(f"lablib: events: mapping {self.uuid} {where}: {exc!r}", flush=True)
        with self._lock:
            self.failures += 1
            now = time.monotonic()
            last = self._logged.get(detail)
            log_now = last is None or now - last >= LOG_EVERY_S
            if log_now:
                self._logged[detail] = now
            count = self.failures
        bridge.set_mapping_result(self.region, self.uuid, INTERNAL_ERROR)
        telemetry = getattr(self.local, "telemetry", None)
        if telemetry is None:
            return
        try:
            fn = moto_bridge.resolve_function(
                moto_bridge.ACCOUNT_ID, self.region, self.function_arn, None
            )[0]
        except Exception:  # the function is gone: the mapping result still says PROBLEM
            return
        stamp = datetime.now(UTC).replace(tzinfo=None)  # moto compares naive UTC times
        metric = {
            "MetricName": METRIC,
            "Value": 1.0,
            "Unit": "Count",
            "Dimensions": [{"Name": "EventSourceMappingUUID", "Value": self.uuid}],
            "Timestamp": stamp,
        }
        telemetry.metrics(fn, [metric], namespace=NAMESPACE)
        if log_now:
            line = (
                f"lablib: event source mapping {self.uuid} could not {where} "
                f"(failure {count}; the poller retries): {detail}"
            )
            telemetry.log(fn, log_stream(self.uuid), [(int(time.time() * 1000), line)])
