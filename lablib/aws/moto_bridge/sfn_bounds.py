"""Bounds on Step Functions executions as AWS sets them, patched into moto's interpreter.

- An execution fails when its history reaches 25,000 events (event 25,000 can only be the
  closing event: ExecutionFailed with ``States.Runtime``), so an endless loop ends.
- Execution input over 262,144 bytes is refused at StartExecution (state input and output
  are checked by moto already: ``States.DataLimitExceeded``).
- An inline Map runs at most 40 iterations at once (MaxConcurrency 0 or above 40 means 40),
  as AWS does, instead of one thread per item.
- StopExecution interrupts a JSONata evaluation in progress, and a stopped execution stays
  stopped (an error raised by the interruption does not turn it into a failure).
- JSONPath expressions are parsed once each (moto parsed ResultPath on every state).
- GetExecutionHistory copies only the page it answers (maxResults, default 100, at most
  1,000; nextToken; reverseOrder), so long histories answer fast; executions without an
  interpreter environment go through stepfunctions.py's paging of the whole history.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import threading
from typing import Any, cast

from moto.core.exceptions import AWSError
from moto.core.responses import ActionResult
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.parser.api import HistoryEventType
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.common.string import string_expression
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
    inline_iteration_component as inline_map,
)
from moto.stepfunctions.parser.asl.eval import environment as sfn_environment
from moto.stepfunctions.parser.asl.eval.event import event_manager
from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped
from moto.stepfunctions.parser.asl.utils import json_path as json_path_utils

HISTORY_LIMIT = 25_000
MAX_PAYLOAD = 262_144
INLINE_MAP_CONCURRENCY = 40
DEFAULT_PAGE = 100
MAX_PAGE = 1000
_CLOSING = frozenset(
    {
        HistoryEventType.ExecutionSucceeded,
        HistoryEventType.ExecutionFailed,
        HistoryEventType.ExecutionAborted,
        HistoryEventType.ExecutionTimedOut,
    }
)
_local = threading.local()


class ExecutionHistoryLimitExceeded(Exception):
    """Raised when an execution would write event 25,000 that does not close it."""

    def __init__(self) -> None:
        super().__init__(
            f"The execution reached the maximum number of history events ({HISTORY_LIMIT})."
        )


class _Stopped(Exception):
    """A JSONata evaluation interrupted because its execution was stopped."""


class _InvalidToken(AWSError):
    TYPE = "InvalidToken"
    STATUS = 400


class _Validation(AWSError):
    TYPE = "ValidationException"
    STATUS = 400


def check_patch_points() -> None:
    for owner, name in (
        (event_manager.EventManager, "add_event"),
        (event_manager.EventManager, "_history_event_list"),
        (inline_map.InlineIterationComponent, "_eval_body"),
        (string_expression.StringJSONata, "_eval_body"),
        (string_expression.StringVariableSample, "_eval_body"),
        (sfn_environment.Environment, "set_error"),
        (sfn_responses.StepFunctionResponse, "get_execution_history"),
        (sfn_responses.StepFunctionResponse, "start_execution"),
    ):
        annotations = getattr(owner, "__annotations__", {})
        if not hasattr(owner, name) and name not in annotations:
            raise RuntimeError(f"moto patch point moved: {owner.__name__}.{name}")


def install() -> None:
    check_patch_points()
    _patch_history_limit()
    _patch_map_concurrency()
    _patch_jsonata_stop()
    _patch_history_pages()
    _patch_start_input()
    _cache_jsonpath_parsing()


def _cache_jsonpath_parsing() -> None:
    """jsonpath_ng builds a new parser for every parse (about 8 ms): a state's ResultPath
    was parsed again on every state, so a loop ran at ~150 states a second. Parsed paths
    are immutable, so each distinct path is parsed once."""
    for module in (cast(Any, result_path), cast(Any, json_path_utils)):
        original = module.parse
        if not hasattr(original, "cache_info"):
            module.parse = functools.lru_cache(maxsize=1024)(original)


def _patch_history_limit() -> None:
    original: Any = event_manager.EventManager.add_event

    @functools.wraps(original)
    def add_event(self: Any, context: Any, event_type: Any, *args: Any, **kwargs: Any) -> int:
        if event_type not in _CLOSING and self._event_id_gen._next_id >= HISTORY_LIMIT:
            raise ExecutionHistoryLimitExceeded()
        result: int = original(self, context, event_type, *args, **kwargs)
        return result

    event_manager.EventManager.add_event = add_event  # type: ignore[method-assign]


def _patch_map_concurrency() -> None:
    component: Any = inline_map.InlineIterationComponent
    original: Any = component._eval_body

    @functools.wraps(original)
    def eval_body(self: Any, env: Any) -> None:
        eval_input = env.stack[-1] if env.stack else None
        limit = getattr(eval_input, "max_concurrency", None)
        if isinstance(limit, int) and not 0 < limit <= INLINE_MAP_CONCURRENCY:
            eval_input.max_concurrency = INLINE_MAP_CONCURRENCY  # type: ignore[union-attr]
        original(self, env)

    component._eval_body = eval_body


def _patch_jsonata_stop() -> None:
    import jsonata as jsonata_python

    for cls in (string_expression.StringJSONata, string_expression.StringVariableSample):
        _track_environment(cls)

    original_evaluate: Any = jsonata_python.Jsonata.evaluate

    @functools.wraps(original_evaluate)
    def evaluate(self: Any, *args: Any, **kwargs: Any) -> Any:
        env = getattr(_local, "env", None)
        if env is not None:

            def entry(*_: Any) -> None:
                if not env.is_running():
                    raise _Stopped("the execution was stopped")

            self.environment.set_evaluate_entry_callback(entry)
        return original_evaluate(self, *args, **kwargs)

    jsonata_python.Jsonata.evaluate = evaluate

    original_set_error: Any = sfn_environment.Environment.set_error

    @functools.wraps(original_set_error)
    def set_error(self: Any, error: Any) -> None:
        if isinstance(self._program_state, ProgramStopped):
            return  # stopped stays stopped (the stop may have interrupted an evaluation)
        original_set_error(self, error)

    sfn_environment.Environment.set_error = set_error  # type: ignore[method-assign]


def _track_environment(cls: Any) -> None:
    original: Any = cls._eval_body

    @functools.wraps(original)
    def eval_body(self: Any, env: Any) -> None:
        previous = getattr(_local, "env", None)
        _local.env = env
        try:
            original(self, env)
        finally:
            _local.env = previous

    cls._eval_body = eval_body


def _patch_history_pages() -> None:
    response_cls: Any = sfn_responses.StepFunctionResponse
    original: Any = response_cls.get_execution_history

    @functools.wraps(original)
    def get_execution_history(self: Any) -> Any:
        arn = self._get_param("executionArn")
        execution = self.stepfunction_backend.describe_execution(arn)  # checks it exists
        worker = getattr(execution, "exec_worker", None)
        env = getattr(worker, "env", None)
        if env is None:
            return original(self)
        size = int(self._get_param("maxResults") or 0) or DEFAULT_PAGE
        if not 0 < size <= MAX_PAGE:
            raise _Validation(
                f"1 validation error detected: Value '{size}' at 'maxResults' failed to "
                f"satisfy constraint: Member must have value less than or equal to {MAX_PAGE}"
            )
        start = _offset(self._get_param("nextToken"), arn)
        reverse = bool(self._get_param("reverseOrder"))
        manager = env.event_manager
        with manager._mutex:
            events = manager._history_event_list
            total = len(events)
            if reverse:
                page = events[max(0, total - start - size) : total - start][::-1]
            else:
                page = events[start : start + size]
            page = copy.deepcopy(page)
        for event in page:
            details = event.get("executionAbortedEventDetails")
            if isinstance(details, dict):  # AWS leaves out an empty error and cause
                event["executionAbortedEventDetails"] = {k: v for k, v in details.items() if v}
        output: dict[str, Any] = {"events": page}
        if start + size < total:
            output["nextToken"] = _token(start + size, arn)
        return ActionResult(output)

    response_cls.get_execution_history = get_execution_history


def _token(offset: int, arn: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([offset, arn]).encode()).decode()


def _offset(token: str | None, arn: str) -> int:
    if not token:
        return 0
    try:
        offset, for_arn = json.loads(base64.urlsafe_b64decode(token.encode()))
        if for_arn == arn and isinstance(offset, int) and offset >= 0:
            return offset
    except (ValueError, TypeError):
        pass
    raise _InvalidToken(f"Invalid Token: '{token}'")


def _patch_start_input() -> None:
    response_cls: Any = sfn_responses.StepFunctionResponse
    original: Any = response_cls.start_execution

    @functools.wraps(original)
    def start_execution(self: Any) -> Any:
        data = self._get_param("input")
        if isinstance(data, str) and len(data.encode()) > MAX_PAYLOAD:
            raise _Validation(
                "1 validation error detected: Value at 'input' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_PAYLOAD}"
            )
        return original(self)

    response_cls.start_execution = start_execution
