"""Notebook views for lab 04 (versions and aliases), built on plain boto3 calls:
a mermaid diagram of aliases and versions, tables, the ExecutedVersion histogram, and a
recorder that drives traffic through an alias during a CodeDeploy deployment and plots the
alias weight and the error rate over time."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from IPython.display import Markdown as _Markdown


def Markdown(text: str) -> Any:  # noqa: N802 - IPython's class, typed
    return _Markdown(text)  # type: ignore[no-untyped-call]


def _client(service: str) -> Any:
    import boto3

    return boto3.client(service)


def table(columns: list[str], rows: list[list[Any]]) -> Any:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return Markdown("\n".join(lines))


def versions_table(function: str) -> Any:
    """One row per version: what it froze (code hash, RELEASE variable, memory)."""
    lam = _client("lambda")
    rows = []
    for v in lam.list_versions_by_function(FunctionName=function)["Versions"]:
        env = (v.get("Environment") or {}).get("Variables") or {}
        rows.append(
            [
                f"`{v['Version']}`",
                v["CodeSha256"][:12],
                env.get("RELEASE", ""),
                "yes" if env.get("BROKEN") == "1" else "no",
                v["MemorySize"],
                "mutable" if v["Version"] == "$LATEST" else "immutable",
            ]
        )
    return table(["version", "CodeSha256", "RELEASE", "broken", "memory", "kind"], rows)


def alias_diagram(function: str) -> Any:
    """A mermaid graph: each alias points at one version (plus an optional weighted one)."""
    lam = _client("lambda")
    versions = [
        v["Version"] for v in lam.list_versions_by_function(FunctionName=function)["Versions"]
    ]
    lines = ["```mermaid", "graph LR"]
    for version in versions:
        node = "LATEST" if version == "$LATEST" else f"v{version}"
        label = "$LATEST (mutable)" if version == "$LATEST" else f"version {version}"
        lines.append(f'  {node}["{label}"]')
    for alias in lam.list_aliases(FunctionName=function)["Aliases"]:
        name = alias["Name"]
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        primary = alias["FunctionVersion"]
        node = "LATEST" if primary == "$LATEST" else f"v{primary}"
        share = 1 - sum(float(w) for w in weights.values())
        lines.append(f'  {name}(["alias {name}"])')
        lines.append(f"  {name} -->|{share:.0%}| {node}")
        for extra, weight in weights.items():
            lines.append(f"  {name} -.->|{float(weight):.0%}| v{extra}")
    lines.append("```")
    return Markdown("\n".join(lines))


def executed_histogram(seen: Counter[str], title: str) -> Any:
    """A bar chart of ExecutedVersion over N calls."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 2.6))
    labels = sorted(seen)
    total = sum(seen.values())
    bars = ax.bar([f"version {v}" for v in labels], [seen[v] for v in labels], color="#4c72b0")
    for bar, label in zip(bars, labels, strict=True):
        ax.annotate(
            f"{seen[label] / total:.0%}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
        )
    ax.set_ylabel("calls")
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


@dataclass
class Recording:
    """What happened during a deployment, sampled from the caller's side."""

    start: float = field(default_factory=time.monotonic)
    calls: list[tuple[float, str, bool]] = field(default_factory=list)  # (t, version, error)
    weights: list[tuple[float, float]] = field(default_factory=list)  # (t, share on target)
    status: list[tuple[float, str]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> Any:
        by_version: Counter[str] = Counter(v for _, v, _ in self.calls)
        errors = sum(1 for *_, e in self.calls if e)
        rows = [[f"`{s}`", f"{t:.1f} s"] for t, s in self.status]
        text = table(["status", "seen at"], rows).data
        text += f"\n\n{len(self.calls)} calls, {errors} errors; executed versions: " + ", ".join(
            f"{v}: {n}" for v, n in sorted(by_version.items())
        )
        return Markdown(text)


def record_deployment(
    deployment_id: str, function: str, alias: str, target: str, timeout: float = 60
) -> Recording:
    """Call ``function:alias`` steadily until the deployment ends; sample its weight."""
    lam, cd = _client("lambda"), _client("codedeploy")
    rec = Recording()
    stop = threading.Event()

    def traffic() -> None:
        caller = _client("lambda")
        while not stop.is_set():
            response = caller.invoke(FunctionName=function, Qualifier=alias, Payload=b"{}")
            response["Payload"].read()
            now = time.monotonic() - rec.start
            rec.calls.append((now, response["ExecutedVersion"], "FunctionError" in response))
            time.sleep(0.005)

    worker = threading.Thread(target=traffic, daemon=True)
    worker.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            now = time.monotonic() - rec.start
            config = lam.get_alias(FunctionName=function, Name=alias)
            weights = (config.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            share = 1.0 if config["FunctionVersion"] == target else float(weights.get(target, 0))
            rec.weights.append((now, share))
            info = cd.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
            if not rec.status or rec.status[-1][1] != info["status"]:
                rec.status.append((now, info["status"]))
            if info["status"] in ("Succeeded", "Failed", "Stopped"):
                rec.info = info
                break
            time.sleep(0.05)
        time.sleep(0.3)  # a few calls after the end show where traffic settled
        now = time.monotonic() - rec.start
        config = lam.get_alias(FunctionName=function, Name=alias)
        rec.weights.append((now, 1.0 if config["FunctionVersion"] == target else 0.0))
    finally:
        stop.set()
        worker.join(10)
    return rec


def plot_recording(rec: Recording, title: str, bucket: float = 0.5) -> Any:
    """Alias weight on the new version (top) and error rate per time bucket (bottom)."""
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 4), sharex=True)
    xs = [t for t, _ in rec.weights]
    ys = [w * 100 for _, w in rec.weights]
    top.step(xs, ys, where="post", color="#4c72b0")
    top.set_ylabel("% on new version")
    top.set_ylim(-5, 105)
    top.set_title(title)
    end = max([t for t, *_ in rec.calls] + xs + [bucket])
    edges = [i * bucket for i in range(int(end / bucket) + 2)]
    rates, mids = [], []
    for lo, hi in zip(edges, edges[1:], strict=False):
        inside = [e for t, _, e in rec.calls if lo <= t < hi]
        if inside:
            mids.append((lo + hi) / 2)
            rates.append(100 * sum(inside) / len(inside))
    bottom.bar(mids, rates, width=bucket * 0.9, color="#c44e52")
    bottom.set_ylabel("% errors")
    bottom.set_xlabel("seconds here (lab clock: 1 AWS minute = 1 s at 60x)")
    for t, status in rec.status:
        if status in ("Succeeded", "Failed", "Stopped"):
            for ax in (top, bottom):
                ax.axvline(t, color="gray", linestyle="--")
            top.annotate(status, (t, 50), xytext=(4, 0), textcoords="offset points")
    fig.tight_layout()
    plt.close(fig)
    return fig


def appspec_revision(
    function: str, alias: str, current: str, target: str, **hooks: str
) -> dict[str, Any]:
    """A create_deployment revision holding an AppSpec in YAML."""
    hook_lines = "".join(f"  - {event}: {name}\n" for event, name in hooks.items())
    content = (
        "version: 0.0\n"
        "Resources:\n"
        "  - orders:\n"
        "      Type: AWS::Lambda::Function\n"
        "      Properties:\n"
        f"        Name: {function}\n"
        f"        Alias: {alias}\n"
        f'        CurrentVersion: "{current}"\n'
        f'        TargetVersion: "{target}"\n' + (f"Hooks:\n{hook_lines}" if hook_lines else "")
    )
    return {"revisionType": "AppSpecContent", "appSpecContent": {"content": content}}
