"""What one pass of a telemetry thread writes, collected and handed to the sinks in groups.

Jobs call ``log`` and ``metrics`` as they would call the sinks; ``flush`` (the JobThread's)
then makes one sink call per log stream and one per account, region and namespace, in the
order each was first written, with every original write kept as a chunk: the sinks store
the chunks exactly as separate writes would (see ``LogSink.put_chunks``).
"""

from __future__ import annotations

from typing import Any

from lablib.runtime.model import LogSink, MetricSink


class Batch:
    def __init__(self, logs: LogSink, metrics: MetricSink, what: str) -> None:
        self._log_sink = logs
        self._metric_sink = metrics
        self.what = what
        self._logs: dict[tuple[str, str, str, str], list[list[tuple[int, str]]]] = {}
        self._metrics: dict[tuple[str, str, str], list[list[dict[str, Any]]]] = {}

    def log(
        self, account: str, region: str, group: str, stream: str, events: list[tuple[int, str]]
    ) -> None:
        self._logs.setdefault((account, region, group, stream), []).append(events)

    def metrics(
        self, account: str, region: str, namespace: str, data: list[dict[str, Any]]
    ) -> None:
        self._metrics.setdefault((account, region, namespace), []).append(data)

    def flush(self) -> None:
        logs, self._logs = self._logs, {}
        metrics, self._metrics = self._metrics, {}
        problems: list[Exception] = []
        for (account, region, group, stream), chunks in logs.items():
            try:
                problems += self._log_sink.put_chunks(account, region, group, stream, chunks)
            except Exception as exc:
                problems.append(exc)
        for (account, region, namespace), data in metrics.items():
            try:
                problems += self._metric_sink.put_chunks(account, region, namespace, data)
            except Exception as exc:
                problems.append(exc)
        for problem in problems:  # a failed write loses only itself
            print(f"lablib: could not record {self.what}: {problem!r}", flush=True)
