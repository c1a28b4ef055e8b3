"""moto internals for Step Functions executions and their API, as AWS answers it.

- StartExecution without a name gets a generated one; Express executions have express ARNs
  and no DescribeExecution/GetExecutionHistory/StopExecution; StopExecution waits for the
  execution to stop; CreateStateMachine/UpdateStateMachine reject a bad definition;
- StartSyncExecution exists (EXPRESS only), SendTaskFailure keeps its cause;
- DescribeExecution's string output is JSON and has the redrive fields
  (``lablib.stepfunctions.semantics.redrive_fields``); GetExecutionHistory pages its events.

``install(current)`` is called by ``lablib.aws.moto_bridge.stepfunctions`` (whose
``check_patch_points`` covers what it patches); ``current`` returns the running local AWS's
``Target``.
"""

from __future__ import annotations

import datetime
import functools
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, cast

from moto.core.exceptions import AWSError
from moto.core.responses import ActionResult, EmptyResult
from moto.stepfunctions import exceptions as sfn_exceptions
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.parser import api as parser_api
from moto.stepfunctions.parser import models as parser_models
from moto.stepfunctions.parser import utils as parser_utils
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.backend import execution as parser_execution

from lablib.stepfunctions.semantics import (
    Target,
    express_arn,
    is_express_arn,
    redrive_fields,
    sync_billing,
)

SYNC_POLL_S = 0.002


def _no_target() -> Target:
    raise RuntimeError(
        "Step Functions executions need a running local AWS: call lablib.start() first"
    )


_current: Callable[[], Target] = _no_target


def install(current: Callable[[], Target]) -> None:
    global _current
    _current = current
    _patch_backend()
    _patch_responses()


def _type_of(state_machine: Any) -> str:
    return str(getattr(state_machine, "type", None) or "STANDARD")


class InvalidDefinition(AWSError):
    TYPE = "InvalidDefinition"
    STATUS = 400


def _not_for_express(arn: str) -> None:
    if is_express_arn(arn):
        raise sfn_exceptions.InvalidArn(
            f"Invalid Arn: 'Resource type not valid in this context: express' ({arn}); "
            "Express executions have no DescribeExecution or history: use "
            "StartSyncExecution's response or the state machine's CloudWatch Logs"
        )


def _patch_backend() -> None:
    backend = parser_models.StepFunctionsParserBackend
    original_start: Any = backend.start_execution
    original_describe: Any = backend.describe_execution
    original_history: Any = backend.get_execution_history
    original_stop: Any = backend.stop_execution

    @functools.wraps(original_start)
    def start_execution(
        self: Any,
        state_machine_arn: str,
        name: str | None = None,
        execution_input: str | None = None,
        trace_header: str | None = None,
    ) -> Any:
        parser_utils.TMP_THREADS[:] = [t for t in parser_utils.TMP_THREADS if t.is_alive()]
        name = name or str(uuid.uuid4())
        execution = original_start(self, state_machine_arn, name, execution_input, trace_header)
        state_machine = self.describe_state_machine(state_machine_arn)
        # moto keeps the real type in ``type``; ``sm_type`` is always STANDARD.
        if _type_of(state_machine) == "EXPRESS":
            # AWS keeps no record of Express executions for the API: no list, no describe.
            execution.sm_type = "EXPRESS"
            if execution in state_machine.executions:
                state_machine.executions.remove(execution)
            express = express_arn(state_machine.arn, name)
            execution.exec_arn = execution.execution_arn = express
        return execution

    @functools.wraps(original_describe)
    def describe_execution(self: Any, execution_arn: str) -> Any:
        _not_for_express(execution_arn)
        execution: Any = original_describe(self, execution_arn)
        # The interpreter keeps the output as a Python value; moto's response writes a str
        # as is, so a string result ("ok") came out as invalid JSON. Encode it once, as AWS.
        if (
            execution.status == ExecutionStatus.SUCCEEDED
            and isinstance(execution, cast(Any, parser_execution).Execution)
            and not getattr(execution, "lablib_output_encoded", False)
        ):
            execution.output = json.dumps(execution.output, separators=(",", ":"))
            execution.lablib_output_encoded = True
        return execution

    @functools.wraps(original_history)
    def get_execution_history(self: Any, execution_arn: str) -> Any:
        _not_for_express(execution_arn)
        return original_history(self, execution_arn)

    @functools.wraps(original_stop)
    def stop_execution(self: Any, execution_arn: str) -> Any:
        _not_for_express(execution_arn)
        execution = self.describe_execution(execution_arn)
        if execution.status != ExecutionStatus.RUNNING:
            raise sfn_exceptions.ExecutionDoesNotExist(
                f"Execution Does Not Exist: '{execution_arn}' is not running "
                f"(status {execution.status})"
            )
        original_stop(self, execution_arn)
        deadline = time.monotonic() + 5
        while execution.exec_status == ExecutionStatus.RUNNING and time.monotonic() < deadline:
            time.sleep(SYNC_POLL_S)
        if execution.stop_date is None:
            execution.stop_date = datetime.datetime.now(tz=datetime.UTC)
        return execution

    original_create: Any = backend.create_state_machine
    original_update: Any = backend.update_state_machine

    @functools.wraps(original_create)
    def create_state_machine(self: Any, name: str, definition: str, *a: Any, **kw: Any) -> Any:
        _check(definition)
        return original_create(self, name, definition, *a, **kw)

    @functools.wraps(original_update)
    def update_state_machine(
        self: Any, arn: str, definition: Any = None, *a: Any, **kw: Any
    ) -> Any:
        if definition is not None:
            _check(definition)
        return original_update(self, arn, definition, *a, **kw)

    backend.create_state_machine = create_state_machine  # type: ignore[method-assign]
    backend.update_state_machine = update_state_machine  # type: ignore[method-assign]
    backend.start_execution = start_execution  # type: ignore[method-assign]
    backend.describe_execution = describe_execution  # type: ignore[method-assign]
    backend.get_execution_history = get_execution_history  # type: ignore[method-assign]
    backend.stop_execution = stop_execution  # type: ignore[method-assign]


class _TypeNotSupported(AWSError):
    TYPE = "StateMachineTypeNotSupported"
    STATUS = 400


def _check(definition: str) -> None:
    check = _current().check_definition
    problem = check(definition) if check is not None else None
    if problem:
        raise InvalidDefinition(f"Invalid State Machine Definition: '{problem}'")


def _start_sync(backend: Any, state_machine_arn: str, name: str | None, data: str) -> Any:
    state_machine = backend.describe_state_machine(state_machine_arn)
    if _type_of(state_machine) != "EXPRESS":
        raise _TypeNotSupported(
            "This operation is not supported by this type of state machine: "
            f"'{state_machine.name}' is STANDARD and StartSyncExecution needs EXPRESS; "
            "use StartExecution, or create the state machine with type='EXPRESS'"
        )
    try:
        json.loads(data)
    except ValueError as exc:
        raise sfn_exceptions.InvalidExecutionInput(
            f"Invalid State Machine Execution Input: '{exc}'"
        ) from None
    name = name or str(uuid.uuid4())
    execution = parser_execution.SyncExecution(
        name=name,
        sm_type=parser_api.StateMachineType.EXPRESS,
        role_arn=state_machine.roleArn,
        exec_arn=express_arn(state_machine.arn, name),
        account_id=backend.account_id,
        region_name=backend.region_name,
        state_machine=state_machine,
        start_date=datetime.datetime.now(tz=datetime.UTC),
        cloud_watch_logging_session=None,
        input_data=data,
        trace_header=None,
        activity_store={},
    )
    execution.start()  # runs the program on this thread
    return execution.to_start_sync_execution_output()


def _patch_responses() -> None:
    response_cls = sfn_responses.StepFunctionResponse

    def send_task_failure(self: Any) -> Any:
        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"),
            error=self._get_param("error"),
            cause=self._get_param("cause"),
        )
        return EmptyResult()

    def start_sync_execution(self: Any) -> Any:
        started = time.perf_counter()
        output = dict(
            _start_sync(
                self.stepfunction_backend,
                self._get_param("stateMachineArn"),
                self._get_param("name"),
                self._get_param("input", if_none="{}"),
            )
        )
        output["billingDetails"] = sync_billing(time.perf_counter() - started)
        output["status"] = str(getattr(output["status"], "value", output["status"]))
        return ActionResult(output)

    original_describe = response_cls.describe_execution
    original_list = response_cls.list_executions
    original_history = response_cls.get_execution_history

    def describe_execution(self: Any) -> Any:
        arn = str(self._get_param("executionArn") or "")
        if not arn.startswith("arn:"):
            raise sfn_exceptions.InvalidArn(f"Invalid Arn: 'Invalid ARN prefix: {arn}'")
        result = original_describe(self)
        described: dict[str, Any] = dict(cast(Any, result.result))
        return ActionResult(redrive_fields(described))

    def list_executions(self: Any) -> Any:
        result = original_list(self)
        listed: dict[str, Any] = dict(cast(Any, result.result))
        listed["executions"] = [dict(e, redriveCount=0) for e in listed.get("executions", [])]
        return ActionResult(listed)

    def get_execution_history(self: Any) -> Any:
        result = original_history(self)
        history: dict[str, Any] = dict(cast(Any, result.result))
        for event in history.get("events", []):
            details = event.get("executionAbortedEventDetails")
            if isinstance(details, dict):  # AWS leaves out an empty error and cause
                event["executionAbortedEventDetails"] = {k: v for k, v in details.items() if v}
        return ActionResult(_page_history(self, history))

    response_cls.describe_execution = describe_execution  # type: ignore[method-assign]
    response_cls.list_executions = list_executions  # type: ignore[method-assign]
    response_cls.get_execution_history = get_execution_history  # type: ignore[method-assign]
    response_cls.send_task_failure = send_task_failure  # type: ignore[method-assign]
    response_cls.start_sync_execution = start_sync_execution  # type: ignore[attr-defined]


def _page_history(response: Any, history: dict[str, Any]) -> dict[str, Any]:
    """GetExecutionHistory's reverseOrder, maxResults (default 100, at most 1000) and
    nextToken, as AWS pages the events."""
    events = list(history.get("events", []))
    if response._get_param("reverseOrder"):
        events.reverse()
    raw_limit = response._get_param("maxResults")
    limit = int(raw_limit) if raw_limit else 100
    if not 0 < limit <= 1000:
        raise sfn_exceptions.InvalidToken(  # AWS answers a ValidationException here
            f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy "
            "constraint: Member must have value less than or equal to 1000"
        )
    token = response._get_param("nextToken")
    start = 0
    if token:
        try:
            start = int(str(token).removeprefix("lablib-"))
        except ValueError:
            raise sfn_exceptions.InvalidToken("Invalid Token: 'Invalid token'") from None
    page = events[start : start + limit]
    out = dict(history, events=page)
    out.pop("nextToken", None)
    if start + limit < len(events):
        out["nextToken"] = f"lablib-{start + limit}"
    return out
