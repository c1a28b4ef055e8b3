"""The SQS poller behind an event source mapping.

One receiver thread per mapping gathers a batch (BatchSize, MaximumBatchingWindowInSeconds in
real seconds: it is a limit the learner sets for one run), then a bounded pool of workers
invokes the function synchronously (in-process). Success deletes the batch. A function error
leaves every message to reappear after the queue's visibility timeout (real time), unless
``ReportBatchItemFailures`` is on and the handler listed the failed ones; SQS itself moves a
message to the queue's DLQ once it was received maxReceiveCount times. FIFO queues keep order
per message group (a group with messages in flight is not read). Messages the mapping's
FilterCriteria exclude are deleted without invoking the function, as on AWS.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lablib.aws import moto_bridge
from lablib.aws.moto_bridge import event_sources as bridge
from lablib.events import filters
from lablib.events.health import PollerHealth
from lablib.runtime.model import RuntimeUnavailable, Throttled

DEFAULT_CONCURRENCY = 5
IDLE_WAIT_S = 0.1


def failed_message_ids(payload: bytes, ids: list[str]) -> set[str] | None:
    """Failed ids from a ReportBatchItemFailures response; None = treat the whole batch as
    failed (invalid JSON, a missing/empty/unknown itemIdentifier), as AWS does."""
    try:
        response = json.loads(payload or b"null")
    except ValueError:
        return None
    if not isinstance(response, dict):
        return set()
    failures = response.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return None
    known = set(ids)
    failed = set()
    for item in failures:
        if not isinstance(item, dict) or not item.get("itemIdentifier"):
            return None
        identifier = str(item["itemIdentifier"])
        if identifier not in known:
            return None
        failed.add(identifier)
    return failed


class SqsPoller:
    """Polls one queue for one mapping until the mapping is deleted or ``stop()``."""

    def __init__(self, mapping: dict[str, Any], lambda_plane: Any, local: Any = None) -> None:
        self.uuid: str = mapping["UUID"]
        self.region: str = mapping["Region"]
        self.queue_arn: str = mapping["EventSourceArn"]
        self.function_arn: str = mapping["FunctionArn"]
        self.lambda_plane = lambda_plane
        self.stats: Counter[str] = Counter()
        self.health = PollerHealth(self.region, self.uuid, self.function_arn, local)
        self._stop = threading.Event()
        scaling = (mapping.get("ScalingConfig") or {}).get("MaximumConcurrency")
        self.concurrency = max(1, min(int(scaling or DEFAULT_CONCURRENCY), DEFAULT_CONCURRENCY))
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix=f"sqs-{self.uuid[:8]}")
        self._thread = threading.Thread(
            target=self._run, name=f"sqs-poller-{self.uuid[:8]}", daemon=True
        )
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._pool.shutdown(wait=True, cancel_futures=False)

    # -- receiving -----------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            mapping = bridge.get_mapping(self.region, self.uuid)
            if mapping is None:
                return
            info = bridge.queue_info(self.queue_arn)
            if not mapping["Enabled"] or info is None:
                self._stop.wait(IDLE_WAIT_S)
                continue
            if not self._slots.acquire(timeout=IDLE_WAIT_S):
                continue
            try:
                batch = self._gather(mapping, info)
            except Exception as exc:
                self.health.failed("receive from the queue", exc)
                batch = []
            if not batch:
                self._slots.release()
                if not self._stop.is_set():
                    bridge.sqs_wait(self.queue_arn, IDLE_WAIT_S)
                continue
            self._pool.submit(self._process, batch, info)

    def _gather(self, mapping: dict[str, Any], info: dict[str, Any]) -> list[dict[str, Any]]:
        size = int(mapping.get("BatchSize") or 10)
        window = float(mapping.get("MaximumBatchingWindowInSeconds") or 0)
        visibility = info["visibility_timeout"]
        batch = bridge.sqs_receive(self.queue_arn, min(size, 10_000), visibility)
        if window <= 0 or not batch:
            return batch
        deadline = time.monotonic() + window
        while len(batch) < size and not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            bridge.sqs_wait(self.queue_arn, min(left, IDLE_WAIT_S))
            more = bridge.sqs_receive(self.queue_arn, size - len(batch), visibility)
            if more:  # a message seen again (its visibility ran out) keeps its newest receipt
                fresh = {r["messageId"]: r for r in more}
                batch = [fresh.pop(r["messageId"], r) for r in batch] + list(fresh.values())
        return batch

    # -- invoking ------------------------------------------------------------------------------
    def _process(self, batch: list[dict[str, Any]], info: dict[str, Any]) -> None:
        try:
            self._invoke(batch)
        except Exception as exc:  # never lose the worker; messages reappear after the timeout
            self.health.failed("process a batch", exc)
        finally:
            self._slots.release()

    def _filtered(
        self, mapping: dict[str, Any], batch: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The messages the FilterCriteria let through; the others are deleted."""
        parsed = filters.patterns(mapping.get("FilterCriteria"))
        if not parsed:
            return batch
        kept = []
        for record in batch:
            if filters.record_matches(parsed, record):
                kept.append(record)
            else:
                bridge.sqs_delete(self.queue_arn, record["receiptHandle"])
                self.stats["filtered"] += 1
        return kept

    def _invoke(self, batch: list[dict[str, Any]]) -> None:
        mapping = bridge.get_mapping(self.region, self.uuid)
        if mapping is None or not mapping["Enabled"]:
            # disabled while the batch was gathered: it never reaches the function
            for record in batch:
                bridge.sqs_change_visibility(self.queue_arn, record["receiptHandle"], 0)
            return
        batch = self._filtered(mapping, batch)
        if not batch:
            return
        payload = json.dumps({"Records": batch}).encode()
        self.stats["batches"] += 1
        self.stats["records"] += len(batch)
        try:
            result = self.lambda_plane.invoke(self.function_arn, payload, None, self.region)
        except (Throttled, RuntimeUnavailable, moto_bridge.ResolveError) as exc:
            # AWS: the messages return to the queue after the visibility timeout
            self.stats["throttled"] += 1
            bridge.set_mapping_result(self.region, self.uuid, f"PROBLEM: {type(exc).__name__}")
            return
        ids = [r["messageId"] for r in batch]
        if result.function_error:
            self.stats["failed_batches"] += 1
            bridge.set_mapping_result(self.region, self.uuid, "PROBLEM: Function call failed")
            return
        failed: set[str] | None = set()
        if "ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []):
            failed = failed_message_ids(result.payload, ids)
        if failed is None:
            self.stats["failed_batches"] += 1
            bridge.set_mapping_result(self.region, self.uuid, "PROBLEM: Function call failed")
            return
        for record in batch:
            if record["messageId"] not in failed:
                bridge.sqs_delete(self.queue_arn, record["receiptHandle"])
                self.stats["deleted"] += 1
        self.stats["partial_failures"] += len(failed)
        bridge.set_mapping_result(self.region, self.uuid, "OK")
