"""Turns what an invocation did into CloudWatch Logs lines and AWS/Lambda metrics.

Formatting follows aws-behaviour.md exactly (tabs, trailing tab, two decimals). Delivery to the
sinks happens on one background thread so the invoke path stays fast (one job per invocation,
written in batches when several are queued); ``drain()`` waits for it, and the server calls
it before answering any Logs or CloudWatch request, so a learner always reads what has
happened.
"""

from __future__ import annotations

import base64
import functools
import math
import re
import time
from datetime import UTC, datetime
from typing import Any

from lablib.runtime import emf
from lablib.runtime.batch import Batch
from lablib.runtime.jobs import TELEMETRY_LINGER_S, JobThread
from lablib.runtime.model import LINE_STAMP, FunctionConfig, LogSink, MetricSink

MAX_EVENT_BYTES = 256 * 1024
TAIL_BYTES = 4096


def stream_name(version: str, env_hex: str, when: float | None = None) -> str:
    day = datetime.fromtimestamp(when or time.time(), UTC).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{env_hex}"


def split_output(raw: bytes) -> list[str]:
    """One log event per line of output; over-long lines are cut at 256 KB as on AWS."""
    text = raw.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:MAX_EVENT_BYTES] for line in lines]


_STAMP = re.compile(LINE_STAMP.decode() + r"(\d{13})")


def split_stamped(raw: bytes, earliest_ms: int, latest_ms: int) -> list[tuple[int, str]]:
    """Like split_output, each line with the time it was written: the stamp a Python worker
    put at its start (stripped here; zygote._Stamped). A line without one (written around
    the runtime's streams: Node.js, a custom runtime, a subprocess) takes the time of the
    next stamped line, or ``latest_ms``. Times stay in order, within [earliest, latest]."""
    lines = split_output(raw)
    if LINE_STAMP not in raw:
        return [(latest_ms, line) for line in lines]
    out: list[tuple[int, str]] = []
    following = latest_ms
    for line in reversed(lines):
        found = _STAMP.search(line)
        if found is not None:
            following = min(max(int(found.group(1)), earliest_ms), following, latest_ms)
            line = _STAMP.sub("", line)
        out.append((following, line))
    out.reverse()
    return out


def report_line(
    request_id: str,
    duration_ms: float,
    billed_ms: int,
    memory_mb: int,
    max_used_mb: int,
    init_ms: float | None,
    status: str | None = None,
) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {billed_ms} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {max_used_mb} MB\t"
    )
    if init_ms is not None:
        line += f"Init Duration: {init_ms:.2f} ms\t"
    if status:
        line += f"Status: {status}\t"
    return line


def billed(duration_ms: float, init_ms: float | None) -> int:
    """Billed duration: rounded up to the next millisecond. Since 1 August 2025 AWS also
    bills the init phase of on-demand functions, so a cold start includes it."""
    return max(1, math.ceil(duration_ms + (init_ms or 0.0)))


def init_start_line(runtime: str, region: str, python: str | None = None) -> str:
    """``python``: the full version of the interpreter that really runs a Python runtime; the
    line names it (it differs from the declared one when that version is not installed)."""
    if python is not None and runtime.startswith("python"):
        major_minor = ".".join(python.split(".")[:2])
        return (
            f"INIT_START Runtime Version: python:{major_minor}.v1\t"
            f"Runtime Version ARN: arn:aws:lambda:{region}::runtime:lablib-local-python{python}"
        )
    if runtime.startswith("nodejs"):
        family = "nodejs:" + runtime[len("nodejs") :].removesuffix(".x")
    elif runtime.startswith("provided"):
        family = "provided:" + (runtime.partition(".")[2] or "al1")
    else:
        family = runtime.replace("python", "python:")
    return (
        f"INIT_START Runtime Version: {family}.v1\t"
        f"Runtime Version ARN: arn:aws:lambda:{region}::runtime:lablib-local-{runtime}"
    )


def tail(lines: list[str]) -> str:
    """LogType=Tail: base64 of the last 4 KB of this invocation's log."""
    data = ("\n".join(lines) + "\n").encode()
    return base64.b64encode(data[-TAIL_BYTES:]).decode()


_LEVELS = {"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "ERROR": 4, "FATAL": 5}


def _iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    )


def json_system_lines(lines: list[tuple[int, str]], fn: FunctionConfig) -> list[tuple[int, str]]:
    """LoggingConfig LogFormat=JSON: platform lines become JSON records (platform.initStart,
    platform.start, platform.report), filtered by SystemLogLevel; END has no JSON record."""
    import json as _json

    show_platform = _LEVELS.get((fn.system_log_level or "INFO").upper(), 2) <= _LEVELS["INFO"]
    out: list[tuple[int, str]] = []
    for ms, text in lines:
        record: dict[str, Any] | None = None
        if text.startswith("INIT_START "):
            record = {"type": "platform.initStart", "record": {
                "initializationType": "on-demand", "phase": "init",
                "runtimeVersion": text.split("Runtime Version: ")[1].split("\t")[0],
                "functionName": fn.name, "functionVersion": fn.version}}  # fmt: skip
        elif text.startswith("START RequestId: "):
            request_id = text.split()[2]
            record = {"type": "platform.start",
                      "record": {"requestId": request_id, "version": fn.version}}  # fmt: skip
        elif text.startswith("END RequestId: "):
            continue
        elif text.startswith("REPORT RequestId: "):
            fields = dict(part.split(": ", 1) for part in text.strip("\t").split("\t"))
            metrics = {
                "durationMs": float(fields["Duration"].split()[0]),
                "billedDurationMs": int(fields["Billed Duration"].split()[0]),
                "memorySizeMB": int(fields["Memory Size"].split()[0]),
                "maxMemoryUsedMB": int(fields["Max Memory Used"].split()[0]),
            }
            if "Init Duration" in fields:
                metrics["initDurationMs"] = float(fields["Init Duration"].split()[0])
            record = {"type": "platform.report", "record": {
                "requestId": fields["REPORT RequestId"], "metrics": metrics,
                "status": fields.get("Status", "success")}}  # fmt: skip
        if record is None:
            out.append((ms, text))
        elif show_platform:
            out.append((ms, _json.dumps({"time": _iso(ms), **record})))
    return out


RUNTIME_NAMESPACE = "LabLib/Runtime"


class Telemetry:
    """Delivers log events and metrics to the sinks on one background thread; what it finds
    queued at once (gathered for ``linger`` seconds) is written in batches (one sink call per
    log stream and per namespace)."""

    def __init__(
        self, logs: LogSink, metrics: MetricSink, linger: float = TELEMETRY_LINGER_S
    ) -> None:
        self._batch = Batch(logs, metrics, "Lambda telemetry")
        self._jobs = JobThread(
            "lambda-telemetry", "Lambda telemetry", flush=self._batch.flush, linger=linger
        )

    def invoked(
        self,
        fn: FunctionConfig,
        stream: str,
        events: list[tuple[int, str]],
        qualifier: str | None,
        values: dict[str, tuple[float, str]],
    ) -> None:
        """One invocation, as one job: its log events (and the metrics their EMF lines
        carry), then its AWS/Lambda metrics (``values`` as ``lambda_metrics`` takes them),
        stamped now."""
        when = time.time()

        def job() -> None:
            self._log(fn, stream, events)
            data = lambda_metrics(fn, qualifier, fn.version, values, when)
            self._batch.metrics(fn.account, fn.region, "AWS/Lambda", data)

        self._jobs.put(job)

    def log(self, fn: FunctionConfig, stream: str, events: list[tuple[int, str]]) -> None:
        self._jobs.put(lambda: self._log(fn, stream, events))

    def _log(self, fn: FunctionConfig, stream: str, events: list[tuple[int, str]]) -> None:
        self._batch.log(fn.account, fn.region, fn.log_group, stream, events)
        for _, message in events:  # Embedded Metric Format lines become metrics
            for namespace, data in emf.extract(message):
                self._batch.metrics(fn.account, fn.region, namespace, data)

    def metrics(
        self, fn: FunctionConfig, data: list[dict[str, Any]], namespace: str = "AWS/Lambda"
    ) -> None:
        self._jobs.put(lambda: self._batch.metrics(fn.account, fn.region, namespace, data))

    def runtime_metric(self, account: str, region: str, name: str, value: float = 1.0) -> None:
        """A metric about the local runtime itself (namespace LabLib/Runtime)."""
        data = [
            {
                "MetricName": name,
                "Value": value,
                "Unit": "Count",
                "Dimensions": [],
                "Timestamp": datetime.now(UTC).replace(tzinfo=None),
            }
        ]
        self._jobs.put(lambda: self._batch.metrics(account, region, RUNTIME_NAMESPACE, data))

    def drain(self) -> None:
        self._jobs.drain()

    def close(self) -> None:
        self._jobs.close()


_DimensionSets = tuple[list[list[dict[str, str]]], list[list[dict[str, str]]]]


@functools.lru_cache(maxsize=1024)
def _dimension_sets(name: str, qualifier: str | None, executed_version: str) -> _DimensionSets:
    """The dimension sets AWS publishes a function's metrics under, and those of
    ConcurrentExecutions (by function and account-wide), built once per function, qualifier
    and version (the lists are shared: nothing may change them)."""
    dimension_sets: list[list[dict[str, str]]] = [[{"Name": "FunctionName", "Value": name}]]
    if qualifier:
        resource = [
            {"Name": "FunctionName", "Value": name},
            {"Name": "Resource", "Value": f"{name}:{qualifier}"},
        ]
        dimension_sets.append(resource)
        if not qualifier.isdigit() and qualifier != "$LATEST":
            dimension_sets.append(
                [*resource, {"Name": "ExecutedVersion", "Value": executed_version}]
            )
    return dimension_sets, [dimension_sets[0], []]


def lambda_metrics(
    fn: FunctionConfig,
    qualifier: str | None,
    executed_version: str,
    values: dict[str, tuple[float, str]],
    when: float | None = None,
) -> list[dict[str, Any]]:
    """Metric data in put_metric_data shape for each dimension set AWS publishes, stamped
    ``when`` (seconds since the epoch; default now)."""
    stamp = datetime.now(UTC) if when is None else datetime.fromtimestamp(when, UTC)
    now = stamp.replace(tzinfo=None)  # moto compares naive UTC times
    dimension_sets, concurrent_sets = _dimension_sets(fn.name, qualifier, executed_version)
    data = []
    for name, (value, unit) in values.items():
        sets = dimension_sets if name != "ConcurrentExecutions" else concurrent_sets
        for dims in sets:
            data.append(
                {
                    "MetricName": name,
                    "Value": value,
                    "Unit": unit,
                    "Dimensions": dims,
                    "Timestamp": now,
                }
            )
    return data
