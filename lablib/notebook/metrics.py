"""CloudWatch metrics of a function (namespace AWS/Lambda) read with get_metric_statistics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ._aws import client
from .render import Chart, Table

STATISTIC = {
    "Invocations": "Sum",
    "Errors": "Sum",
    "Throttles": "Sum",
    "DeadLetterErrors": "Sum",
    "DestinationDeliveryFailures": "Sum",
    "AsyncEventsReceived": "Sum",
    "Duration": "Average",
    "ConcurrentExecutions": "Maximum",
    "IteratorAge": "Maximum",
}


def metric_points(
    function: str,
    metric: str,
    *,
    statistic: str | None = None,
    minutes: int = 15,
    period: int = 60,
    qualifier: str | None = None,
) -> list[tuple[datetime, float]]:
    """(timestamp, value) datapoints of one AWS/Lambda metric, oldest first."""
    stat = statistic or STATISTIC.get(metric, "Sum")
    dimensions = [{"Name": "FunctionName", "Value": function}]
    if qualifier:
        dimensions.append({"Name": "Resource", "Value": f"{function}:{qualifier}"})
    now = datetime.now(UTC)
    points = client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName=metric,
        Dimensions=dimensions,
        StartTime=now - timedelta(minutes=minutes),
        EndTime=now + timedelta(minutes=1),
        Period=period,
        Statistics=[stat],
    )["Datapoints"]
    return sorted((p["Timestamp"], float(p[stat])) for p in points)


def metric_summary(
    function: str, metrics: Sequence[str] = tuple(STATISTIC)[:4] + ("Duration",), minutes: int = 15
) -> dict[str, float]:
    """One number per metric over the window (sum for counts, average/maximum otherwise)."""
    out: dict[str, float] = {}
    for metric in dict.fromkeys(metrics):
        values = [v for _, v in metric_points(function, metric, minutes=minutes)]
        stat = STATISTIC.get(metric, "Sum")
        if not values:
            out[metric] = 0.0
        elif stat == "Sum":
            out[metric] = sum(values)
        elif stat == "Maximum":
            out[metric] = max(values)
        else:
            out[metric] = sum(values) / len(values)
    return out


def metrics(
    function: str,
    names: Sequence[str] = ("Invocations", "Errors", "Throttles", "Duration"),
    *,
    minutes: int = 15,
) -> Chart:
    """Bar panels of the given metrics over the last ``minutes`` (text: a summary table)."""
    summary = metric_summary(function, names, minutes)
    rows = [[name, STATISTIC.get(name, "Sum"), value] for name, value in summary.items()]
    table = Table(["metric", "statistic", "value"], rows, f"AWS/Lambda metrics of {function}")
    series = {name: metric_points(function, name, minutes=minutes) for name in names}

    def draw(fig: Any) -> None:
        axes = fig.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names, strict=True):
            points = series[name]
            labels = [t.strftime("%H:%M") for t, _ in points] or ["-"]
            values = [v for _, v in points] or [0.0]
            colour = "#c0392b" if name in ("Errors", "Throttles") else "#1f77b4"
            ax.bar(labels, values, color=colour)
            ax.set_title(f"{name} ({STATISTIC.get(name, 'Sum')})", fontsize=9)
            ax.tick_params(labelsize=7)

    return Chart(draw, repr(table), size=(2.4 * len(names), 2.6))
