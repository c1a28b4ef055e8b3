"""Inline views of an API Gateway request and a Step Functions execution (``%api``, ``%sfn``).

Both go through plain HTTP or boto3 against the running local AWS and render as Markdown in
Jupyter, with a plain-text ``repr`` for nbval and terminals.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from ._aws import client, stage_url


def _pretty(body: str) -> str:
    try:
        return json.dumps(json.loads(body), indent=2)
    except ValueError:
        return body


@dataclass
class ApiView:
    """One request through an API Gateway stage, and what came back."""

    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: str
    latency_ms: float

    def __repr__(self) -> str:
        lines = [f"{self.method} {self.url}", f"-> {self.status} in {self.latency_ms:.1f} ms"]
        lines += [f"   {k}: {v}" for k, v in sorted(self.headers.items())]
        lines.append(_pretty(self.body))
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        mark = "✅" if self.status < 400 else "❌"
        headers = "\n".join(f"| `{k}` | `{v}` |" for k, v in sorted(self.headers.items()))
        return (
            f"**{self.method}** `{self.url}` → {mark} **{self.status}** "
            f"in {self.latency_ms:.1f} ms\n\n| header | value |\n|---|---|\n{headers}\n\n"
            f"```json\n{_pretty(self.body)}\n```"
        )


def request(
    api_id: str,
    stage: str,
    path: str = "/",
    method: str = "GET",
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> ApiView:
    """Call ``path`` on the stage (:func:`stage_url`: the local or the execute-api form)."""
    url = stage_url(api_id, stage, path)
    data = None if body is None else (body if isinstance(body, bytes) else
                                       json.dumps(body).encode())  # fmt: skip
    req = urllib.request.Request(url, data=data, method=method.upper(), headers=headers or {})
    if data is not None and "Content-Type" not in (headers or {}):
        req.add_header("Content-Type", "application/json")
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310 - the target's stage
            status, received, text = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, received, text = error.code, dict(error.headers), error.read()
        error.close()
    latency = (time.perf_counter() - began) * 1000
    shown = {k: v for k, v in received.items() if k.lower() not in ("date", "server")}
    return ApiView(method.upper(), url, status, shown, text.decode("utf-8", "replace"), latency)


@dataclass
class ExecutionView:
    """A finished Step Functions execution: status, output, the path as a diagram, history."""

    arn: str
    status: str
    output: Any
    error: str | None
    diagram: Any
    history: Any
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        lines = [f"{self.arn.rsplit(':', 1)[-1]}: {self.status}"]
        if self.error:
            lines.append(f"error: {self.error}")
        else:
            lines.append(f"output: {json.dumps(self.output)}")
        lines.append(f"path: {' -> '.join(self.history.path)}")
        lines.append(str(self.diagram))
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        result = (
            f"❌ **{self.status}**: `{self.error}`"
            if self.error
            else f"✅ **{self.status}**: `{json.dumps(self.output)}`"
        )
        return f"{result}\n\n{self.diagram.markdown()}\n\n{self.history.to_markdown()}"


def execution(state_machine: str, payload: Any = None, timeout: float = 60.0) -> ExecutionView:
    """Run a state machine (name or ARN) with ``payload`` and show the path it took."""
    from lablib.stepfunctions.diagram import diagram
    from lablib.stepfunctions.history import history
    from lablib.stepfunctions.wait import run

    sfn = client("stepfunctions")
    arn = state_machine
    if not arn.startswith("arn:"):
        machines = sfn.list_state_machines()["stateMachines"]
        found = [m["stateMachineArn"] for m in machines if m["name"] == state_machine]
        if not found:
            names = ", ".join(sorted(m["name"] for m in machines)) or "none yet"
            raise ValueError(f"no state machine named {state_machine!r} (there are: {names})")
        arn = found[0]
    described = run(sfn, arn, payload, timeout=timeout, progress=False)
    events = history(sfn, described["executionArn"])
    definition = sfn.describe_state_machine(stateMachineArn=arn)["definition"]
    output = json.loads(described["output"]) if described.get("output") else None
    error = described.get("error")
    if error and described.get("cause"):
        error = f"{error}: {described['cause']}"
    return ExecutionView(
        described["executionArn"],
        described["status"],
        output,
        error,
        diagram(definition, events),
        events,
    )
