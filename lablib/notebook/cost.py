"""Lambda pricing: per-request plus per GB-second of billed duration (billed per 1 ms).

Prices are AWS's public on-demand list prices for us-east-1 (first usage tier; the free tier
and the volume discounts above 6 billion GB-seconds a month are left out):
x86_64 $0.0000166667 per GB-second, arm64 $0.0000133334, and $0.20 per million requests.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .render import Chart, Table

GB_SECOND_USD = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
REQUEST_USD = 0.20 / 1_000_000


@dataclass(frozen=True)
class Cost:
    memory_mb: int
    duration_ms: float
    requests: int
    architecture: str
    billed_ms: int
    gb_seconds: float
    compute_usd: float
    request_usd: float

    @property
    def total_usd(self) -> float:
        return self.compute_usd + self.request_usd

    def __repr__(self) -> str:
        return (
            f"{self.requests:,} requests x {self.billed_ms} ms billed at {self.memory_mb} MB "
            f"({self.architecture}) = {self.gb_seconds:,.3f} GB-s -> compute "
            f"${self.compute_usd:,.4f} + requests ${self.request_usd:,.4f} = ${self.total_usd:,.4f}"
        )


def lambda_cost(
    memory_mb: int, duration_ms: float, requests: int = 1, architecture: str = "x86_64"
) -> Cost:
    """What ``requests`` invocations of ``duration_ms`` each at ``memory_mb`` cost."""
    if architecture not in GB_SECOND_USD:
        raise ValueError(f"architecture {architecture!r}: use one of {sorted(GB_SECOND_USD)}")
    if not 128 <= memory_mb <= 10240:
        raise ValueError(f"memory {memory_mb} MB: Lambda allows 128 to 10240 MB")
    if duration_ms < 0 or requests < 0:
        raise ValueError("duration and requests cannot be negative")
    billed = max(1, math.ceil(duration_ms))  # 1 ms granularity
    gb_seconds = requests * (memory_mb / 1024) * (billed / 1000)
    return Cost(
        memory_mb,
        duration_ms,
        requests,
        architecture,
        billed,
        gb_seconds,
        gb_seconds * GB_SECOND_USD[architecture],
        requests * REQUEST_USD,
    )


def cheapest(durations: Mapping[int, float], requests: int = 1_000_000) -> int:
    """The memory size whose measured duration gives the lowest total cost."""
    if not durations:
        raise ValueError("no measurements: give {memory_mb: duration_ms, ...}")
    return min(durations, key=lambda m: (lambda_cost(m, durations[m], requests).total_usd, m))


def cost_table(durations: Mapping[int, float], requests: int = 1_000_000) -> Table:
    rows = []
    for memory in sorted(durations):
        cost = lambda_cost(memory, durations[memory], requests)
        rows.append([memory, durations[memory], cost.billed_ms, cost.gb_seconds, cost.total_usd])
    title = f"cost of {requests:,} invocations per memory size"
    return Table(["memory MB", "duration ms", "billed ms", "GB-s", "total USD"], rows, title)


def cost_curve(durations: Mapping[int, float], requests: int = 1_000_000) -> Chart:
    """Cost and duration against memory size, cheapest point marked."""
    sizes = sorted(durations)
    totals = [lambda_cost(m, durations[m], requests).total_usd for m in sizes]
    best = cheapest(durations, requests)
    text = repr(cost_table(durations, requests)) + f"\ncheapest: {best} MB"

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        ax.plot(sizes, totals, marker="o", color="#1f77b4", label="cost (USD)")
        ax.scatter([best], [totals[sizes.index(best)]], s=160, facecolors="none", edgecolors="red")
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.set_xlabel("memory (MB)")
        ax.set_ylabel(f"USD per {requests:,} requests")
        other = ax.twinx()
        other.plot(sizes, [durations[m] for m in sizes], ls="--", color="#ff7f0e")
        other.set_ylabel("duration (ms)", color="#ff7f0e")
        ax.set_title(f"cost (blue) and duration (orange) vs memory; cheapest {best} MB")

    return Chart(draw, text)


def cost_calculator(
    memory_mb: int = 512, duration_ms: float = 120, requests: int = 1_000_000
) -> Any:
    """Sliders for memory, duration and monthly requests feeding the price (ipywidgets in a
    kernel; the :class:`Cost` for the given values elsewhere)."""
    try:
        import ipywidgets as widgets
        from IPython import get_ipython
    except ImportError:
        return lambda_cost(memory_mb, duration_ms, requests)
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return lambda_cost(memory_mb, duration_ms, requests)
    memory = widgets.IntSlider(memory_mb, 128, 10240, 64, description="memory MB")
    duration = widgets.FloatLogSlider(duration_ms, base=10, min=0, max=5.95, description="ms")
    count = widgets.IntText(requests, description="requests")
    arch = widgets.ToggleButtons(options=["x86_64", "arm64"], description="arch")
    out = widgets.HTML()

    def update(_: Any = None) -> None:
        cost = lambda_cost(memory.value, duration.value, count.value, arch.value)
        out.value = f"<pre>{cost!r}</pre>"

    for widget in (memory, duration, count, arch):
        widget.observe(update, names="value")
    update()
    box = widgets.VBox([memory, duration, count, arch, out])
    return _WithText(box, repr(lambda_cost(memory_mb, duration_ms, requests)))


class _WithText:
    """A widget that shows as itself in JupyterLab and as text in plain outputs."""

    def __init__(self, widget: Any, text: str) -> None:
        self.widget = widget
        self.text = text

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            bundle["text/plain"] = self.text
        return bundle

    def _ipython_display_(self) -> None:
        """The table for the starting values as plain output (readable when the notebook is
        reopened without a kernel), then the live widget."""
        from IPython import display as ipd

        show: Any = ipd.display
        static = f"Starting values (move the sliders below to change them):\n{self.text}"
        show({"text/plain": static, "text/html": f"<pre>{html.escape(static)}</pre>"}, raw=True)
        show(self.widget)

    def __repr__(self) -> str:
        return self.text
