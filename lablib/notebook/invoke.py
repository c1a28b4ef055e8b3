"""Invoke a function and show everything about that one call inline: status, payload,
function error, the log excerpt (LogType=Tail), duration / billed / memory used, cold or warm.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

from ._aws import client
from .deploy import reload_if_changed
from .logs import LogView, tail


@dataclass
class InvokeView:
    """The outcome of one :func:`invoke` call (``response`` is boto3's, payload decoded)."""

    function: str
    status: int
    payload: Any
    function_error: str | None
    log: LogView | None
    response: dict[str, Any]

    @property
    def request_id(self) -> str:
        rid: str = self.response["ResponseMetadata"]["RequestId"]
        return rid

    @property
    def cold(self) -> bool:
        return bool(self.log and self.log.blocks and self.log.blocks[0].cold)

    def _numbers(self) -> str:
        if not self.log or not self.log.blocks:
            return ""
        block = self.log.blocks[0]
        if block.duration_ms is None:
            return ""
        init = f", init {block.init_ms:.2f} ms" if block.init_ms else ""
        return (
            f"duration {block.duration_ms:.2f} ms, billed {block.billed_ms} ms, memory "
            f"{block.max_memory_mb}/{block.memory_mb} MB used{init}"
        )

    def summary(self) -> str:
        error = f", FunctionError: {self.function_error}" if self.function_error else ""
        start = "cold start" if self.cold else "warm"
        return f"{self.function}: status {self.status}{error} ({start}) {self._numbers()}".rstrip()

    def __repr__(self) -> str:
        payload = json.dumps(self.payload, indent=2, default=str)
        log = f"\n{self.log!r}" if self.log else ""
        return f"{self.summary()}\npayload: {payload}{log}"

    def _repr_html_(self) -> str:
        colour = "#c00" if self.function_error else "#2a7d2a"
        payload = html.escape(json.dumps(self.payload, indent=2, default=str))
        log = self.log._repr_html_() if self.log else ""
        return (
            f'<div><b style="color:{colour}">{html.escape(self.summary())}</b>'
            f"<pre>{payload}</pre>{log}</div>"
        )


def invoke(
    function: str,
    payload: Any = None,
    *,
    qualifier: str | None = None,
    invocation_type: str = "RequestResponse",
) -> InvokeView:
    """Invoke ``function`` with ``payload`` (any JSON value) and show the whole story."""
    reload_if_changed(function)
    lam = client("lambda")
    kwargs: dict[str, Any] = {
        "FunctionName": function,
        "Payload": json.dumps({} if payload is None else payload).encode(),
        "InvocationType": invocation_type,
    }
    if invocation_type == "RequestResponse":
        kwargs["LogType"] = "Tail"
    if qualifier:
        kwargs["Qualifier"] = qualifier
    response = lam.invoke(**kwargs)
    raw = response["Payload"].read()
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        value = raw.decode("utf-8", "replace")
    log = tail(response) if "LogResult" in response else None
    return InvokeView(
        function, response["StatusCode"], value, response.get("FunctionError"), log, response
    )
