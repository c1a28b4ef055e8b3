"""What only notebooks use: deploying lab handlers, and views a learner would rather look at
than read. Every view renders richly in Jupyter and as plain text in nbval or a terminal.

Deploy (plain boto3: create or update, wait until Active):
    deploy(lab, source, *, name=None, memory=128, timeout=3, environment=None, layers=(),
           dead_letter_arn=None, runtime="python3.12", handler="handler") -> Deployment
    deploy_code(name, code, **same_settings) -> Deployment   # code given as a string
    lab_role() -> role ARN;  functions_dir() -> labs/functions
    watch() -> opt-in hot reload: an edited labs/functions file redeploys on the next invoke
Invoke and show:
    invoke(name, payload, qualifier=None, invocation_type="RequestResponse") -> InvokeView
Logs (CloudWatch Logs, START/END/REPORT highlighted, cold starts marked):
    logs(name, request_id=None, last=None) -> LogView;  tail(invoke_response) -> LogView
    invocations(name) -> list[Invocation]   # parsed REPORT numbers per invocation
Charts (matplotlib, drawn lazily; text summary as repr):
    timeline(name) -> Chart            # cold vs warm, init, duration, billed duration
    metrics(name, names=(...)) -> Chart; metric_summary(name, names) -> {metric: value}
    burst(name, count, payload) -> Burst (chart of 200 vs 429 per call)
Cost:
    lambda_cost(memory_mb, duration_ms, requests=1, architecture="x86_64") -> Cost
    cost_table(durations), cost_curve(durations) -> Chart, cheapest(durations) -> MB
    cost_calculator() -> ipywidgets sliders (a Cost outside a kernel)
Other services, shown inline:
    request(api_id, stage, path, method, body, headers) -> ApiView   # API Gateway stage URL
Local or real AWS (the target of lablib.start()), answered once:
    stage_url(api_id, stage, path="/") -> the stage's URL (execute-api on real AWS)
    account() -> the target's account id
    execution(state_machine, payload) -> ExecutionView   # Step Functions: path as a diagram
One-call set-ups (idempotent, boto3 only):
    proxy_api(function, stage="dev") -> api id   # every path and method -> the function
    state_machine(name, definition) -> ARN       # create or update a standard state machine
Tables: Table(columns, rows, title).
Magics: ``%load_ext lablib.notebook`` (%%lambda, %invoke, %api, %sfn).
"""

from __future__ import annotations

from typing import Any

from ._aws import account, stage_url
from .concurrency import Burst, burst
from .cost import Cost, cheapest, cost_calculator, cost_curve, cost_table, lambda_cost
from .deploy import (
    DeployError,
    Deployment,
    deploy,
    deploy_code,
    deploy_files,
    functions_dir,
    lab_role,
    watch,
    zip_files,
)
from .invoke import InvokeView, invoke
from .logs import Invocation, LogView, invocations, logs, request_id, tail
from .metrics import metric_points, metric_summary, metrics
from .quick import proxy_api, state_machine
from .render import Chart, Table
from .timeline import report_table, timeline
from .views import ApiView, ExecutionView, execution, request

__all__ = [
    "account",
    "stage_url",
    "ApiView",
    "ExecutionView",
    "execution",
    "request",
    "Burst",
    "Chart",
    "Cost",
    "DeployError",
    "Deployment",
    "Invocation",
    "InvokeView",
    "LogView",
    "Table",
    "burst",
    "cheapest",
    "cost_calculator",
    "cost_curve",
    "cost_table",
    "deploy",
    "deploy_code",
    "deploy_files",
    "functions_dir",
    "invocations",
    "invoke",
    "lab_role",
    "lambda_cost",
    "load_ipython_extension",
    "logs",
    "metric_points",
    "metric_summary",
    "metrics",
    "proxy_api",
    "report_table",
    "request_id",
    "state_machine",
    "tail",
    "timeline",
    "watch",
    "zip_files",
]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext lablib.notebook`` registers ``%%lambda``, ``%invoke``, ``%api``, ``%sfn``."""
    from .magics import register

    register(ipython)
