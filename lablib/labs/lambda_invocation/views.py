"""Views for lab 01 (lambda-invocation). The first lab teaches the general notebook helpers
themselves, so its views are ``lablib.notebook``'s (the notebook calls them as ``nb.*``);
they are named here so every lab has the same layout."""

from __future__ import annotations

from lablib.notebook.concurrency import burst
from lablib.notebook.cost import cost_calculator, cost_curve, cost_table, lambda_cost
from lablib.notebook.deploy import deploy, zip_files
from lablib.notebook.invoke import invoke
from lablib.notebook.logs import invocations, logs, tail
from lablib.notebook.metrics import metrics
from lablib.notebook.timeline import report_table, timeline

__all__ = [
    "burst",
    "cost_calculator",
    "cost_curve",
    "cost_table",
    "deploy",
    "invocations",
    "invoke",
    "lambda_cost",
    "logs",
    "metrics",
    "report_table",
    "tail",
    "timeline",
    "zip_files",
]
