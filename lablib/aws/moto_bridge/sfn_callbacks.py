"""moto internals for Step Functions callbacks (``.waitForTaskToken``): task tokens as AWS
answers them.

AWS answers a token twice (or after its task ended) with TaskTimedOut, a token it never issued
with InvalidToken, and accepts heartbeats for any open task. ``install()`` is called by
``lablib.aws.moto_bridge.stepfunctions`` (whose ``check_patch_points`` covers what it patches).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from moto.core.exceptions import AWSError
from moto.stepfunctions.parser import models as parser_models
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.asl.eval.callback import callback


def install() -> None:
    _patch_callbacks()


class TaskTimedOut(AWSError):
    TYPE = "TaskTimedOut"
    STATUS = 400


class InvalidToken(AWSError):
    TYPE = "InvalidToken"
    STATUS = 400


# Task tokens handed out by callback (.waitForTaskToken) tasks, and those already answered.
_issued: set[str] = set()
_closed: set[str] = set()
_CLOSED_CODES = ("InvalidToken", "TaskDoesNotExist", "TaskTimedOut", "")


def _patch_callbacks() -> None:
    """AWS answers a token twice (or after its task ended) with TaskTimedOut, a token it
    never issued with InvalidToken, and accepts heartbeats for any open task."""
    pool = callback.CallbackPoolManager
    original_add = pool.add

    @functools.wraps(original_add)
    def add(self: Any, callback_id: str) -> Any:
        _issued.add(callback_id)
        return original_add(self, callback_id)

    pool.add = add  # type: ignore[method-assign]
    backend = parser_models.StepFunctionsParserBackend
    originals = {
        name: getattr(backend, name)
        for name in ("send_task_success", "send_task_failure", "send_task_heartbeat")
    }

    def guarded(name: str) -> Callable[..., Any]:
        original = originals[name]

        @functools.wraps(original)
        def send(self: Any, task_token: str, *args: Any, **kwargs: Any) -> Any:
            if task_token in _closed:
                raise TaskTimedOut(
                    "Task Timed Out: 'Provided task does not exist anymore' "
                    "(this token was already answered or its task ended)"
                )
            if task_token not in _issued:
                raise InvalidToken(
                    "Invalid Token: 'Invalid token' (no callback task issued this token; "
                    "pass the value of $$.Task.Token that the task sent out)"
                )
            if name == "send_task_heartbeat" and _open_callback(self, task_token):
                return None
            try:
                result = original(self, task_token, *args, **kwargs)
            except Exception as exc:
                # moto raises InvalidToken once the execution ended, TaskDoesNotExist or
                # (unconstructible, so a TypeError) TaskTimedOut once the task gave up.
                if isinstance(exc, AWSError) and exc.error_type not in _CLOSED_CODES:
                    raise
                _closed.add(task_token)
                raise TaskTimedOut(
                    "Task Timed Out: 'Provided task does not exist anymore' "
                    "(its task or execution is no longer running)"
                ) from None
            if name != "send_task_heartbeat":
                _closed.add(task_token)
            return result

        return send

    for name in originals:
        setattr(backend, name, guarded(name))


def _open_callback(backend: Any, token: str) -> bool:
    for execution in backend._get_executions(ExecutionStatus.RUNNING):
        endpoint = execution.exec_worker.env.callback_pool_manager.get(token)
        if endpoint is not None and endpoint.get_outcome() is None:
            endpoint.notify_heartbeat()
            return True
    return False
