"""Notebook helpers for lab 03 (API Gateway): stage URLs, calling an API and showing the
exchange as a table, a VTL playground, a burst of requests plotted as 200s vs 429s, and a
sequence diagram of one request through the handler chain. Everything talks to the target
(the local AWS, or real AWS on purpose) through plain HTTP; the playground renders templates
with the same Velocity engine the local data plane uses."""

from __future__ import annotations

import concurrent.futures
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from lablib.apigateway import vtl
from lablib.notebook import _aws
from lablib.notebook.render import Table

_session = requests.Session()


def endpoint() -> str:
    """The local AWS's URL (a RuntimeError on real AWS, which has no single endpoint)."""
    value = _aws.endpoint()
    if not value:
        raise RuntimeError("on real AWS there is no single endpoint: use stage_url()")
    return value


def stage_url(api_id: str, stage: str, path: str = "/") -> str:
    """``{endpoint}/restapis/{api}/{stage}/_user_request_{path}`` on the local AWS,
    ``https://{api}.execute-api.{region}.amazonaws.com/{stage}{path}`` on real AWS."""
    return _aws.stage_url(api_id, stage, path)


def lambda_uri(function: str, suffix: str = "", region: str | None = None) -> str:
    """The integration URI for a Lambda function (``suffix`` e.g. ``:${stageVariables.alias}``)
    of the target's account, in the target's region unless ``region`` says otherwise."""
    region = region or _aws.region()
    arn = f"arn:aws:lambda:{region}:{_aws.account()}:function:{function}{suffix}"
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    ms: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


def send(method: str, api_id: str, stage: str, path: str, **kwargs: Any) -> Exchange:
    began = time.perf_counter()
    answer = _session.request(method, stage_url(api_id, stage, path), timeout=60, **kwargs)
    return Exchange(
        method, f"/{stage}{path}", answer.status_code, answer.text, dict(answer.headers),
        (time.perf_counter() - began) * 1000,
    )  # fmt: skip


def table(exchanges: list[Exchange], title: str = "", width: int = 90) -> Table:
    rows = []
    for ex in exchanges:
        body = ex.body if len(ex.body) <= width else ex.body[: width - 3] + "..."
        rows.append([f"{ex.method} {ex.path}", ex.status, body])
    return Table(["request", "status", "body"], rows, title)


# -- VTL playground -----------------------------------------------------------------------------
def render_template(
    template: str,
    body: str = "",
    params: dict[str, dict[str, str]] | None = None,
    stage_variables: dict[str, str] | None = None,
    context: dict[str, Any] | None = None,
) -> str:
    """Render a mapping template as API Gateway would (errors come back as text)."""
    ctx: dict[str, Any] = {
        "stage": "dev",
        "requestId": "example-request-id",
        "httpMethod": "POST",
        "resourcePath": "/apiname/{action}",
        "responseOverride": {"status": None, "header": {}},
    }
    ctx.update(context or {})
    try:
        return vtl.render(
            template, body.encode(), params or {"path": {}, "querystring": {}, "header": {}},
            ctx, stage_variables or {},
        )  # fmt: skip
    except vtl.TemplateProblem as exc:
        return f"TEMPLATE ERROR: {exc}"


def vtl_playground(
    template: str, body: str, params: dict[str, dict[str, str]] | None = None,
    stage_variables: dict[str, str] | None = None,
) -> Any:  # fmt: skip
    """An editable template + body with the rendered output (ipywidgets in a live kernel;
    the rendered text otherwise, e.g. under nbval or in a terminal)."""
    try:
        import ipywidgets as widgets
        from IPython import get_ipython

        live = get_ipython() is not None and os.environ.get("LABLIB_NO_WIDGETS") != "1"
    except ImportError:
        live = False
    if not live:
        return _Text(render_template(template, body, params, stage_variables))
    tpl = widgets.Textarea(
        value=template, description="template", layout={"width": "95%", "height": "140px"}
    )
    src = widgets.Textarea(
        value=body, description="body", layout={"width": "95%", "height": "70px"}
    )
    out = widgets.Output(layout={"border": "1px solid #ccc"})

    def update(_: Any = None) -> None:
        out.clear_output()
        with out:
            print(render_template(tpl.value, src.value, params, stage_variables))

    tpl.observe(update, "value")
    src.observe(update, "value")
    update()
    return widgets.VBox([tpl, src, widgets.HTML("<b>rendered:</b>"), out])


@dataclass
class _Text:
    text: str

    def __repr__(self) -> str:
        return self.text


# -- bursts -------------------------------------------------------------------------------------
@dataclass
class Burst:
    results: list[tuple[float, int]]  # (seconds since start, status)
    title: str

    def counts(self) -> dict[int, int]:
        found: dict[int, int] = {}
        for _, status in self.results:
            found[status] = found.get(status, 0) + 1
        return dict(sorted(found.items()))

    def __repr__(self) -> str:
        return f"{self.title}: " + ", ".join(f"{n} x {s}" for s, n in self.counts().items())

    def plot(self) -> Any:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 3))
        for status, colour in ((200, "tab:green"), (429, "tab:red")):
            xs = [t for t, s in self.results if s == status]
            ax.scatter(xs, [status] * len(xs), s=18, color=colour, label=f"{status} ({len(xs)})")
        ax.set_xlabel("seconds since the first request")
        ax.set_yticks([200, 429])
        ax.set_ylim(150, 480)
        ax.set_title(self.title)
        ax.legend(loc="center right")
        fig.tight_layout()
        plt.close(fig)
        return fig


def burst(api_id: str, stage: str, path: str, count: int, spread_s: float = 0.0,
          threads: int = 8, headers: dict[str, str] | None = None) -> Burst:  # fmt: skip
    """Send ``count`` GETs from ``threads`` clients, spread over ``spread_s`` seconds."""
    url = stage_url(api_id, stage, path)
    start = time.perf_counter()

    def one(i: int) -> tuple[float, int]:
        if spread_s:
            delay = start + spread_s * i / count - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        status = _session.get(url, headers=headers or {}, timeout=30).status_code
        return time.perf_counter() - start, status

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        results = sorted(pool.map(one, range(count)))
    return Burst(results, f"{count} requests to {path} in {results[-1][0]:.1f} s")


# -- the chain as a diagram ---------------------------------------------------------------------
REQUEST_DIAGRAM = """```mermaid
sequenceDiagram
    autonumber
    participant C as Client
    participant G as API Gateway (stage prod)
    participant A as Lambda authorizer
    participant L as Lambda function
    C->>G: GET /prod/apiname/getcustomers (x-api-key, Authorization)
    G->>G: parse + route: resource /apiname/{action}, method GET
    G->>A: authorize: TOKEN event (cached per token for the TTL)
    A-->>G: policy Allow, principalId, context
    G->>G: API key + usage plan: throttle bucket, quota
    G->>G: stage/method throttle (429 Too Many Requests if empty)
    G->>G: cache lookup (hit: answer now, no backend call)
    G->>L: integration request: proxy event or VTL-mapped body
    L-->>G: integration response (or error / timeout -> 502 / 504)
    G->>G: integration response: selection pattern, response template
    G-->>C: method response: status, headers, body
    G--)G: access log, execution log, metrics (Count, Latency, ...)
```"""


def request_diagram() -> Any:
    from IPython.display import Markdown

    return Markdown(REQUEST_DIAGRAM)  # type: ignore[no-untyped-call]
