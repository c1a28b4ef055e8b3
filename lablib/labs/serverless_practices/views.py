"""Views for lab 06: stacks, permissions, backoff, bursts, cost against a server, traces.

Each function returns a :class:`~lablib.notebook.render.Table` or
:class:`~lablib.notebook.render.Chart` (rich in Jupyter, readable text under nbval) or a
Markdown object with a mermaid diagram.
"""

from __future__ import annotations

import ast
import json
import random
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from lablib.notebook.concurrency import Burst
from lablib.notebook.cost import lambda_cost
from lablib.notebook.logs import Invocation
from lablib.notebook.render import Chart, Table

HOURS_PER_MONTH = 730


def stack_resources(cloudformation: Any, stack: str) -> Table:
    """What CloudFormation created for ``stack``: logical id, type and physical id."""
    rows = [
        [r["LogicalResourceId"], r["ResourceType"], r.get("PhysicalResourceId", "")]
        for r in cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    ]
    rows.sort(key=lambda row: (row[1], row[0]))
    return Table(["logical id", "type", "physical id"], rows, f"resources of stack {stack}")


def stack_events(cloudformation: Any, stack: str, last: int = 12) -> Table:
    """The last ``last`` stack events, oldest first (what the console's Events tab shows)."""
    events = cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
    rows = [
        [e["LogicalResourceId"], e["ResourceType"], e["ResourceStatus"]]
        for e in reversed(events[:last])
    ]
    return Table(["logical id", "type", "status"], rows, f"last {len(rows)} events of {stack}")


def role_permissions(iam: Any, role: str) -> Table:
    """Every Allow/Deny statement the role's inline and attached policies grant."""
    rows: list[list[Any]] = []

    def add(source: str, document: Any) -> None:
        doc = _document(document)
        statements = doc.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            actions = statement.get("Action", statement.get("NotAction", []))
            resources = statement.get("Resource", statement.get("NotResource", []))
            rows.append(
                [
                    source,
                    statement.get("Effect", ""),
                    ", ".join([actions] if isinstance(actions, str) else actions),
                    ", ".join([resources] if isinstance(resources, str) else resources),
                ]
            )

    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        add(f"inline {name}", iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"])
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(
            PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"]
        )
        add(f"managed {attached['PolicyName']}", version["PolicyVersion"]["Document"])
    return Table(["policy", "effect", "actions", "resources"], rows, f"what role {role} may do")


def _document(value: Any) -> dict[str, Any]:
    """A policy document as IAM returns it: a dict (boto3 decodes it) or JSON text."""
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(urllib.parse.unquote(str(value)))
    except json.JSONDecodeError:
        parsed = ast.literal_eval(str(value))  # written by CloudFormation as a Python repr
    return parsed if isinstance(parsed, dict) else {}


def backoff_delays(
    attempts: int, base_s: float = 0.1, cap_s: float = 5.0, seed: int | None = None
) -> list[tuple[float, float]]:
    """(ceiling, chosen delay) before each retry: exponential ceiling ``base * 2**n`` capped
    at ``cap_s``, delay drawn uniformly below it ("full jitter")."""
    if attempts < 1 or base_s <= 0 or cap_s < base_s:
        raise ValueError("backoff: attempts >= 1 and 0 < base_s <= cap_s")
    rng = random.Random(seed)
    out = []
    for n in range(attempts):
        ceiling = min(cap_s, base_s * 2**n)
        out.append((ceiling, rng.uniform(0, ceiling)))
    return out


def backoff_chart(
    clients: int = 5, attempts: int = 6, base_s: float = 0.1, cap_s: float = 5.0
) -> Chart:
    """The exponential ceiling and several clients' jittered retry times."""
    schedules = [backoff_delays(attempts, base_s, cap_s, seed=n) for n in range(clients)]
    ceilings = [c for c, _ in schedules[0]]
    text = "retry n waits at most " + ", ".join(
        f"{n + 1}: {c:.1f} s" for n, c in enumerate(ceilings)
    )

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        xs = list(range(1, attempts + 1))
        ax.plot(xs, ceilings, color="black", marker="o", label="ceiling base x 2^n (capped)")
        for n, schedule in enumerate(schedules):
            ax.scatter(xs, [d for _, d in schedule], s=18, alpha=0.7, label=f"client {n + 1}")
        ax.set_xlabel("retry number")
        ax.set_ylabel("wait before the retry (s)")
        ax.set_title("exponential backoff with full jitter: clients spread out", fontsize=9)
        ax.legend(fontsize=7, ncols=2)

    return Chart(draw, text)


def compare_bursts(bursts: Mapping[str, Burst], peak: Mapping[str, int] | None = None) -> Chart:
    """Grouped bars of 200s and 429s per burst (and, when given, the peak number of
    connections the database saw)."""
    labels = list(bursts)
    ok = [bursts[k].counts.get(200, 0) for k in labels]
    throttled = [bursts[k].counts.get(429, 0) for k in labels]
    lines = [
        f"{k}: {o} x 200, {t} x 429" + (f", database peak {peak[k]} connections" if peak else "")
        for k, o, t in zip(labels, ok, throttled, strict=True)
    ]

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        xs = range(len(labels))
        ax.bar([x - 0.2 for x in xs], ok, 0.4, color="#2a9d2a", label="200 ran")
        ax.bar([x + 0.2 for x in xs], throttled, 0.4, color="#c0392b", label="429 throttled")
        if peak:
            ax.plot(list(xs), [peak[k] for k in labels], "k--o", label="database peak connections")
        ax.set_xticks(list(xs), labels)
        ax.set_ylabel("calls")
        ax.set_title("the same burst with and without a concurrency cap", fontsize=9)
        ax.legend(fontsize=8)

    return Chart(draw, "\n".join(lines), size=(7.0, 3.2))


def server_vs_lambda(
    memory_mb: int,
    duration_ms: float,
    server_usd_per_hour: float,
    servers: int = 2,
    max_requests: int = 100_000_000,
) -> tuple[Chart, int]:
    """Monthly cost of Lambda (per request) against ``servers`` always-on instances, and the
    monthly request count where they cost the same (the break-even)."""
    server_month = server_usd_per_hour * HOURS_PER_MONTH * servers
    per_million = lambda_cost(memory_mb, duration_ms, 1_000_000).total_usd
    breakeven = int(server_month / per_million * 1_000_000) if per_million else 0
    steps = [int(max_requests * i / 50) for i in range(51)]
    lam = [lambda_cost(memory_mb, duration_ms, n).total_usd for n in steps]
    text = (
        f"Lambda {memory_mb} MB x {duration_ms:g} ms: ${per_million:,.2f} per million requests; "
        f"{servers} server(s) at ${server_usd_per_hour}/h: ${server_month:,.2f} per month; "
        f"break-even at about {breakeven:,} requests per month"
    )

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        millions = [n / 1e6 for n in steps]
        ax.plot(millions, lam, color="#1f77b4", label="Lambda (pay per request + GB-s)")
        ax.plot(millions, [server_month] * len(steps), color="#ff7f0e", label="servers (always on)")
        if breakeven <= max_requests:
            ax.axvline(breakeven / 1e6, color="grey", ls=":")
            ax.annotate(
                f"break-even ~{breakeven / 1e6:,.1f} M",
                (breakeven / 1e6, server_month),
                textcoords="offset points",
                xytext=(5, 8),
                fontsize=8,
            )
        ax.set_xlabel("requests per month (millions)")
        ax.set_ylabel("USD per month")
        ax.set_title("cost per month: functions vs servers", fontsize=9)
        ax.legend(fontsize=8)

    return Chart(draw, text), breakeven


def trace_gantt(invocation: Invocation, downstream: Sequence[tuple[str, float]] = ()) -> str:
    """A mermaid gantt of the segments X-Ray would show for one invocation, built from its
    REPORT line: Lambda service overhead, Initialization (cold starts), Invocation, and the
    downstream calls (name, ms) as subsegments inside the invocation."""
    init = float(invocation.init_ms or 0.0)
    duration = float(invocation.duration_ms or 0.0)
    overhead = 2.0
    lines = [
        "```mermaid",
        "gantt",
        f"  title What X-Ray would draw for request {invocation.request_id[:8]}",
        "  dateFormat x",
        "  axisFormat %L ms",
        "  section Lambda service",
        f"  request accepted, environment chosen :0, {int(overhead)}",
    ]
    start = overhead
    if init:
        lines += [
            "  section Function",
            f"  Initialization (cold start) :{int(start)}, {int(start + init)}",
        ]
        start += init
    else:
        lines.append("  section Function")
    lines.append(f"  Invocation (handler) :{int(start)}, {int(start + max(duration, 1))}")
    at = start
    for name, ms in downstream:
        lines.append(f"  {name} :{int(at)}, {int(at + max(ms, 1))}")
        at += ms
    lines.append("```")
    return "\n".join(lines)
