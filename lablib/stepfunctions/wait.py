"""Wait for a Standard execution to finish, with a one-line progress display in notebooks.

``wait_for_execution(sfn, arn)`` polls DescribeExecution until the status is no longer
RUNNING and returns that response. In a notebook a single line updates in place (status,
states entered, elapsed time); elsewhere nothing is printed unless ``progress=True``.
``run(sfn, state_machine_arn, input)`` starts an execution and waits for it.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


class ExecutionTimeout(TimeoutError):
    """The execution was still running when the wait gave up."""


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ipython = shell.get_ipython()
    return ipython is not None and "IPKernelApp" in getattr(ipython, "config", {})


class _Progress:
    def __init__(self, enabled: bool) -> None:
        self.handle: Any = None
        self.enabled = enabled
        self.notebook = enabled and _in_notebook()
        if self.notebook:
            from IPython.display import Markdown, display

            self.handle = display(Markdown("⏳ starting…"), display_id=True)  # type: ignore[no-untyped-call]

    def show(self, text: str) -> None:
        if not self.enabled:
            return
        if self.handle is not None:
            from IPython.display import Markdown

            self.handle.update(Markdown(text))  # type: ignore[no-untyped-call]
        elif not self.notebook:
            print(text)


def _entered(sfn: Any, arn: str) -> int:
    try:
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    except Exception:  # Express executions have no history
        return 0
    return sum(1 for e in events if e["type"].endswith("StateEntered"))


def wait_for_execution(
    sfn: Any,
    execution_arn: str,
    timeout: float = 60.0,
    poll: float = 0.02,
    progress: bool | None = None,
) -> dict[str, Any]:
    """DescribeExecution once the execution has finished (SUCCEEDED, FAILED, ...).

    ``progress``: None shows a live line only in a notebook; True always; False never.
    Raises ``ExecutionTimeout`` if it is still running after ``timeout`` real seconds.
    """
    began = time.monotonic()
    notebook = progress is None
    bar = _Progress(_in_notebook() if notebook else bool(progress))
    last_shown = 0.0
    while True:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        status = described["status"]
        elapsed = time.monotonic() - began
        if status in FINISHED:
            icon = "✅" if status == "SUCCEEDED" else "❌"
            error = f" — {described.get('error')}" if described.get("error") else ""
            bar.show(f"{icon} {status}{error} after {elapsed:.2f} s")
            return described
        if elapsed > timeout:
            raise ExecutionTimeout(
                f"execution {execution_arn} is still {status} after {timeout:g} s. Is a "
                "callback task waiting for send_task_success/failure, or a long Wait state "
                "running? Pass a larger timeout= or stop it with stop_execution."
            )
        if bar.enabled and elapsed - last_shown > 0.25:
            last_shown = elapsed
            bar.show(
                f"⏳ {status} · {_entered(sfn, execution_arn)} states entered · {elapsed:.1f} s"
            )
        time.sleep(poll)


def run(
    sfn: Any,
    state_machine_arn: str,
    payload: Any = None,
    name: str | None = None,
    timeout: float = 60.0,
    progress: bool | None = None,
) -> dict[str, Any]:
    """StartExecution with ``payload`` (JSON-encoded for you) and wait for the result."""
    kwargs: dict[str, Any] = {
        "stateMachineArn": state_machine_arn,
        "input": payload if isinstance(payload, str) else json.dumps(payload or {}),
    }
    if name:
        kwargs["name"] = name
    arn = sfn.start_execution(**kwargs)["executionArn"]
    return wait_for_execution(sfn, arn, timeout=timeout, progress=progress)
