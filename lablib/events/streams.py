"""The Kinesis and DynamoDB Streams poller behind an event source mapping.

One worker per shard (an object that owns its thread: no subclass of ``threading.Thread``,
whose private attributes change between Python versions) reads in order from the mapping's
StartingPosition, BatchSize records at a time, and invokes the function synchronously.
A failing batch blocks its shard: it is retried until it succeeds, MaximumRetryAttempts is
used up, or its records are older than MaximumRecordAgeInSeconds; then an invocation record
goes to the on-failure destination and the shard moves on. BisectBatchOnFunctionError splits
a failing batch in two (splits are not counted as retries). ReportBatchItemFailures
checkpoints at the lowest failed sequence number. A failure of the poller itself shows in
the mapping's LastProcessingResult, the function's log group and a metric (events.health).
After each invoke the poller publishes IteratorAge (age of the batch's last record).

Records the mapping's FilterCriteria exclude are skipped (the shard moves past them).

Record age and IteratorAge run on the lab clock (60x by default), like other long AWS waits.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from typing import Any

import boto3

from lablib.aws import moto_bridge
from lablib.aws.moto_bridge import event_sources as bridge
from lablib.events import filters, records
from lablib.events.health import PollerHealth
from lablib.events.sqs import failed_message_ids
from lablib.runtime import telemetry as tel
from lablib.runtime.model import RuntimeUnavailable, Throttled

POLL_S = 0.02  # Lambda polls a shard about once a second; 60x faster here, bounded
MAX_SHARDS = 16
RETRY_BACKOFF_S = (0.02, 0.5)


class StreamPoller:
    """All shard workers of one mapping."""

    def __init__(self, mapping: dict[str, Any], local: Any) -> None:
        self.mapping = mapping
        self.uuid: str = mapping["UUID"]
        self.region: str = mapping["Region"]
        self.arn: str = mapping["EventSourceArn"]
        self.kind = "kinesis" if ":kinesis:" in self.arn else "dynamodb"
        self.local = local
        self.stats: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.workers: dict[str, ShardWorker] = {}
        self.health = PollerHealth(self.region, self.uuid, mapping["FunctionArn"], local)
        self._thread = threading.Thread(
            target=self._run, name=f"stream-poller-{self.uuid[:8]}", daemon=True
        )
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def shards(self) -> list[str] | None:
        if self.kind == "kinesis":
            return bridge.kinesis_shards(self.arn)
        return bridge.ddb_shards(self.arn)

    def _run(self) -> None:
        while not self.stop_event.is_set():
            if bridge.get_mapping(self.region, self.uuid) is None:
                break
            for shard_id in (self.shards() or [])[:MAX_SHARDS]:
                if shard_id not in self.workers:
                    self.workers[shard_id] = ShardWorker(self, shard_id)
            self.stop_event.wait(0.25)
        self.stop_event.set()

    def stop(self) -> None:
        self.stop_event.set()
        self._thread.join(5)
        for worker in self.workers.values():
            worker.join(5)

    def count(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.stats[key] += n


class ShardWorker:
    """Reads one shard in order on its own thread (composition, not a Thread subclass)."""

    def __init__(self, poller: StreamPoller, shard_id: str) -> None:
        self.poller = poller
        self.shard_id = shard_id
        self.after = self._start_after(poller.mapping)
        self._fn: Any = None
        self._clients: dict[str, Any] = {}
        self._thread = threading.Thread(
            target=self._loop, name=f"shard-{shard_id[-6:]}-{poller.uuid[:8]}", daemon=True
        )
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    # -- reading ----------------------------------------------------------------------------
    def _start_after(self, mapping: dict[str, Any]) -> int:
        position = mapping.get("StartingPosition") or "TRIM_HORIZON"
        if position == "LATEST":
            start = int(mapping.get("lablib_start", {}).get(self.shard_id, 0))
            return start if self.poller.kind == "kinesis" else start - 1
        return -1

    def _fetch(self, limit: int) -> list[dict[str, Any]]:
        p = self.poller
        if p.kind == "kinesis":
            raw = bridge.kinesis_records(p.arn, self.shard_id, self.after, limit)
            role = bridge.function_role(p.mapping["FunctionArn"])
            out = []
            for r in raw:
                record = records.kinesis_record(
                    p.arn,
                    self.shard_id,
                    str(r["seq"]),
                    r["partition_key"],
                    r["data"],
                    r["arrival"],
                    role,
                )
                out.append({"seq": r["seq"], "arrival": r["arrival"], "record": record})
        else:
            out = [
                {
                    "seq": r["seq"],
                    "arrival": r["arrival"],
                    "record": records.dynamodb_record(
                        p.arn, r["event_id"], r["event_name"], r["dynamodb"], r["arrival"]
                    ),
                }
                for r in bridge.ddb_records(p.arn, self.after, limit)
            ]
        stamp = p.mapping.get("StartingPositionTimestamp")
        if stamp and p.mapping.get("StartingPosition") == "AT_TIMESTAMP":
            cut = float(stamp) if not hasattr(stamp, "timestamp") else stamp.timestamp()
            old = [r for r in out if r["arrival"] < cut]
            if old:
                self.after = old[-1]["seq"]
            out = [r for r in out if r["arrival"] >= cut]
        return out

    @staticmethod
    def _identifier(item: dict[str, Any]) -> str:
        record = item["record"]
        if "kinesis" in record:
            return str(record["kinesis"]["sequenceNumber"])
        return str(record["dynamodb"]["SequenceNumber"])

    def _loop(self) -> None:
        stop = self.poller.stop_event
        while not stop.is_set():
            mapping = bridge.get_mapping(self.poller.region, self.poller.uuid)
            if mapping is None:
                return
            if not mapping["Enabled"]:
                stop.wait(0.05)
                continue
            size = int(mapping.get("BatchSize") or 100)
            try:
                batch = self._fetch(size)
                window = float(mapping.get("MaximumBatchingWindowInSeconds") or 0)
                if batch and window > 0 and len(batch) < size:
                    stop.wait(window)
                    batch = self._fetch(size)
                if not batch:
                    stop.wait(POLL_S)
                    continue
                parsed = filters.patterns(mapping.get("FilterCriteria"))
                kept = [r for r in batch if filters.record_matches(parsed, r["record"])]
                if not kept:
                    self.after = batch[-1]["seq"]
                    self.poller.count("filtered", len(batch))
                    continue
                self.poller.count("filtered", len(batch) - len(kept))
                self._process_batch(kept)
            except Exception as exc:  # keep the shard alive; the batch is read again
                self.poller.health.failed(f"process shard {self.shard_id}", exc)
                stop.wait(0.2)

    # -- one batch, with retries, bisect, age limit and destination ---------------------------
    def _process_batch(self, batch: list[dict[str, Any]]) -> None:
        p = self.poller
        pending: deque[list[dict[str, Any]]] = deque([batch])
        attempts = 0
        while pending and not p.stop_event.is_set():
            mapping = bridge.get_mapping(p.region, p.uuid)
            if mapping is None or not mapping["Enabled"]:
                return  # disabled: nothing fires; reading resumes at the checkpoint later
            chunk = pending[0]
            max_age = mapping.get("MaximumRecordAgeInSeconds")
            if max_age not in (None, -1):
                expired = [r for r in chunk if self._age_s(r) > float(max_age)]
                if expired:
                    self._fail(mapping, expired, "RecordAgeExceeded", attempts, None)
                    self.after = expired[-1]["seq"]
                    chunk = [r for r in chunk if self._age_s(r) <= float(max_age)]
                    if not chunk:
                        pending.popleft()
                        continue
                    pending[0] = chunk
            outcome, detail = self._invoke(mapping, chunk)
            if outcome == "ok":
                self.after = chunk[-1]["seq"]
                pending.popleft()
                attempts = 0
                continue
            if outcome == "partial":
                index = int(detail)
                if index > 0:
                    self.after = chunk[index - 1]["seq"]
                    chunk = chunk[index:]
                    pending[0] = chunk
            if outcome == "throttled":
                p.stop_event.wait(RETRY_BACKOFF_S[1])
                continue
            if mapping.get("BisectBatchOnFunctionError") and len(chunk) > 1:
                half = len(chunk) // 2
                pending.popleft()
                pending.appendleft(chunk[half:])
                pending.appendleft(chunk[:half])
                p.count("bisections")
                continue
            attempts += 1
            retries = mapping.get("MaximumRetryAttempts")
            if retries not in (None, -1) and attempts > int(retries):
                self._fail(mapping, chunk, "RetryAttemptsExhausted", attempts, detail)
                self.after = chunk[-1]["seq"]
                pending.popleft()
                attempts = 0
                continue
            low, high = RETRY_BACKOFF_S
            p.stop_event.wait(min(high, low * 2 ** min(attempts, 6)))

    def _age_s(self, item: dict[str, Any]) -> float:
        return float((time.time() - item["arrival"]) * self.poller.local.clock.scale)

    def _invoke(self, mapping: dict[str, Any], chunk: list[dict[str, Any]]) -> tuple[str, Any]:
        p = self.poller
        self._iterator_age(chunk[-1])
        payload = json.dumps({"Records": [item["record"] for item in chunk]}).encode()
        p.count("batches")
        p.count("records", len(chunk))
        try:
            result = p.local.lambda_plane.invoke(mapping["FunctionArn"], payload, None, p.region)
        except (Throttled, RuntimeUnavailable, moto_bridge.ResolveError):
            p.count("throttled")
            return "throttled", None
        if result.function_error:
            p.count("failed_batches")
            bridge.set_mapping_result(p.region, p.uuid, "PROBLEM: Function call failed")
            return "error", result
        if "ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []):
            ids = [self._identifier(item) for item in chunk]
            failed = failed_message_ids(result.payload, ids)
            if failed is None:
                p.count("failed_batches")
                return "error", result
            if failed:
                p.count("partial_batches")
                return "partial", min(ids.index(i) for i in failed)
        bridge.set_mapping_result(p.region, p.uuid, "OK")
        return "ok", result

    def _iterator_age(self, item: dict[str, Any]) -> None:
        p = self.poller
        try:
            if self._fn is None:
                self._fn = moto_bridge.resolve_function(
                    moto_bridge.ACCOUNT_ID, p.region, p.mapping["FunctionArn"], None
                )[0]
            age_ms = max(0.0, self._age_s(item) * 1000)
            data = tel.lambda_metrics(
                self._fn, None, "$LATEST", {"IteratorAge": (age_ms, "Milliseconds")}
            )
            p.local.telemetry.metrics(self._fn, data)
        except Exception as exc:
            print(f"lablib: events: could not record IteratorAge: {exc!r}", flush=True)

    # -- on-failure destination -------------------------------------------------------------
    def _fail(
        self,
        mapping: dict[str, Any],
        chunk: list[dict[str, Any]],
        condition: str,
        attempts: int,
        result: Any,
    ) -> None:
        p = self.poller
        p.count("discarded", len(chunk))
        target = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        if not target:
            print(
                f"lablib: events: {len(chunk)} record(s) of shard {self.shard_id} skipped "
                f"({condition}) and no on-failure destination is set",
                flush=True,
            )
            return
        record = self.failure_record(mapping, chunk, condition, attempts, result)
        try:
            body = json.dumps(record)
            region = target.split(":")[3]
            if ":sqs:" in target:
                sqs = self._client("sqs", region)
                url = sqs.get_queue_url(QueueName=target.split(":")[5])["QueueUrl"]
                sqs.send_message(QueueUrl=url, MessageBody=body)
            elif ":sns:" in target:
                self._client("sns", region).publish(TopicArn=target, Message=body)
            p.count("sent_to_destination", len(chunk))
        except Exception as exc:
            print(f"lablib: events: could not deliver to {target}: {exc!r}", flush=True)

    def failure_record(
        self,
        mapping: dict[str, Any],
        chunk: list[dict[str, Any]],
        condition: str,
        attempts: int,
        result: Any,
    ) -> dict[str, Any]:
        p = self.poller
        info_key = "KinesisBatchInfo" if p.kind == "kinesis" else "DDBStreamBatchInfo"
        record: dict[str, Any] = {
            "requestContext": {
                "requestId": getattr(result, "request_id", "") or "",
                "functionArn": mapping["FunctionArn"],
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": getattr(result, "executed_version", "$LATEST"),
                "functionError": getattr(result, "function_error", None) or "",
            },
            "version": "1.0",
            "timestamp": records.iso_ms(),
            info_key: {
                "shardId": self.shard_id,
                "startSequenceNumber": self._identifier(chunk[0]),
                "endSequenceNumber": self._identifier(chunk[-1]),
                "approximateArrivalOfFirstRecord": records.iso_ms(chunk[0]["arrival"]),
                "approximateArrivalOfLastRecord": records.iso_ms(chunk[-1]["arrival"]),
                "batchSize": len(chunk),
                "streamArn": p.arn,
            },
        }
        return record

    def _client(self, service: str, region: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(
                service,
                region_name=region,
                endpoint_url=self.poller.local.endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return self._clients[service]
