"""CloudWatch Embedded Metric Format: log lines that carry metrics.

A function that prints a JSON object with an ``_aws.CloudWatchMetrics`` directive gets those
metrics in CloudWatch, exactly as AWS extracts them from the log stream: one metric per
``Metrics[]`` entry, for each dimension set, with the values taken from the same object.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

MAX_DIMENSIONS = 30


def extract(message: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(namespace, put_metric_data entries) for an EMF log line; [] for any other line."""
    text = message.strip()
    if not text.startswith("{") or '"_aws"' not in text:
        return []
    try:
        document = json.loads(text)
    except ValueError:
        return []
    meta = document.get("_aws") if isinstance(document, dict) else None
    if not isinstance(meta, dict):
        return []
    stamp = meta.get("Timestamp")
    when = (
        datetime.fromtimestamp(stamp / 1000, UTC) if isinstance(stamp, int | float)
        else datetime.now(UTC)
    ).replace(tzinfo=None)  # fmt: skip
    out: list[tuple[str, list[dict[str, Any]]]] = []
    for directive in meta.get("CloudWatchMetrics") or []:
        if not isinstance(directive, dict):
            continue
        namespace = directive.get("Namespace") or "aws-embedded-metrics"
        dimension_sets = directive.get("Dimensions") or [[]]
        data = []
        for metric in directive.get("Metrics") or []:
            name = metric.get("Name") if isinstance(metric, dict) else None
            if not name or name not in document:
                continue
            values = document[name] if isinstance(document[name], list) else [document[name]]
            for dims in dimension_sets:
                dimensions = [
                    {"Name": key, "Value": str(document[key])}
                    for key in dims[:MAX_DIMENSIONS]
                    if key in document
                ]
                for value in values:
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        entry = {"MetricName": name, "Value": float(value),
                                 "Dimensions": dimensions, "Timestamp": when}  # fmt: skip
                        unit = metric.get("Unit")
                        if unit:
                            entry["Unit"] = unit
                        data.append(entry)
        if data:
            out.append((namespace, data))
    return out
