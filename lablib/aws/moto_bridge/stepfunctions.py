"""moto internals for Step Functions: switch on moto's ASL interpreter and close its gaps.

moto 5.2 carries an Amazon States Language interpreter (ported from LocalStack) that is off
by default (``default_user_config["stepfunctions"]["execute_state_machine"]``). ``enable()``
switches it on and patches, at this one boundary, what a lab needs to behave like AWS:

- the interpreter's AWS clients (Lambda, SQS, SNS, DynamoDB, ...) go to *our* endpoint
  (moto would use ``http://localhost:5000``), and are cached instead of built per call;
- Wait states and Retry intervals run on the lab clock (TimeoutSeconds and HeartbeatSeconds,
  limits on a single run, stay in real time);
- a Lambda timeout or out-of-memory surfaces as ``Lambda.Unknown``, and a Lambda API error
  from a Task with a function ARN as ``Lambda.<ErrorCode>``, as AWS names them;
- StartExecution without a name gets a generated one; SendTaskFailure keeps its cause;
  StartSyncExecution exists (EXPRESS only); Express executions have express ARNs and no
  DescribeExecution/GetExecutionHistory, as on AWS;
- the interpreter's own log chatter stays out of notebooks.

The rules themselves (error names, JSONPath and JSONata semantics, Express ARNs, billing, the
clients) live in ``lablib.stepfunctions.semantics``; this module only plugs them into moto.

``check_patch_points()`` fails loudly when moto moved something we patch.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, cast

import moto
from moto.core.config import default_user_config
from moto.core.exceptions import AWSError
from moto.core.responses import ActionResult, EmptyResult
from moto.stepfunctions import exceptions as sfn_exceptions
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.parser import api as parser_api
from moto.stepfunctions.parser import models as parser_models
from moto.stepfunctions.parser import utils as parser_utils
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
    CustomErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.choice import state_choice
from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
    lambda_eval_utils,
    state_task_lambda,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_callback,
    state_task_service_lambda,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
from moto.stepfunctions.parser.asl.eval.callback import callback
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.jsonata import jsonata
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend import execution as parser_execution

from lablib.aws.moto_bridge import sfn_bounds, sfn_errors, sfn_nested
from lablib.stepfunctions import semantics
from lablib.stepfunctions.semantics import (
    UNKNOWN_CAUSE,
    UNKNOWN_LAMBDA_ERRORS,
    Target,
    express_arn,
    is_express_arn,
    redrive_fields,
    sync_billing,
)

SUPPORTED_MOTO = ("5.2.",)

# Modules that did ``from ...boto_client import boto_client_for``: each holds its own name.
_CLIENT_USERS = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_batch",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_events",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_glue",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3",
)

SYNC_POLL_S = 0.002


_targets: list[Target] = []
_patch_lock = threading.Lock()
_patched = False
_log_levels: dict[str, int] = {}


def _current() -> Target:
    if not _targets:
        raise RuntimeError(
            "Step Functions executions need a running local AWS: call lablib.start() first"
        )
    return _targets[-1]


def check_patch_points() -> None:
    """Fail loudly when moto changed under us (called by ``enable`` and by a test)."""
    if not moto.__version__.startswith(SUPPORTED_MOTO):
        raise RuntimeError(
            f"lablib's Step Functions bridge is tested with moto {SUPPORTED_MOTO[0]}x; "
            f"found {moto.__version__}. Install the pinned range: pip install -e ."
        )
    if "stepfunctions" not in default_user_config:
        raise RuntimeError("moto.core.config has no 'stepfunctions' switch any more")
    checks: list[tuple[Any, str]] = [
        (wait_function.WaitFunction, "_wait_interval"),
        (retrier_decl, "time"),
        (state_task_lambda.StateTaskLambda, "_from_error"),
        (state_task_service_lambda.StateTaskServiceLambda, "_from_error"),
        (state_task_service_lambda.StateTaskServiceLambda, "_error_cause_from_client_error"),
        (lambda_eval_utils, "LambdaFunctionErrorException"),
        (state_choice.StateChoice, "_eval_state"),
        (StatesErrorNameType, "StatesNoChoiceMatched"),
        (StatesErrorNameType, "StatesHeartbeatTimeout"),
        (state_task_service_callback, "HeartbeatTimeoutError"),
        (state_task_service_callback.StateTaskServiceCallback, "_from_error"),
        (callback.CallbackPoolManager, "add"),
        (json_path, "extract_json"),
        (jsonata, "eval_jsonata_expression"),
        (jsonata, "_eval_jsonata"),
        (parser_models.StepFunctionsParserBackend, "start_execution"),
        (parser_models.StepFunctionsParserBackend, "describe_execution"),
        (parser_models.StepFunctionsParserBackend, "get_execution_history"),
        (parser_models.StepFunctionsParserBackend, "stop_execution"),
        (parser_execution, "SyncExecution"),
        (sfn_responses.StepFunctionResponse, "send_task_failure"),
        (parser_utils, "TMP_THREADS"),
    ]
    for module_name in _CLIENT_USERS:
        checks.append((importlib.import_module(module_name), "boto_client_for"))
    for owner, attr in checks:
        if not hasattr(owner, attr):
            raise RuntimeError(f"moto moved {getattr(owner, '__name__', owner)}.{attr}")


def enable(
    endpoint: str,
    real_seconds: Callable[[float], float],
    check_definition: Callable[[str], str | None] | None = None,
) -> Callable[[], None]:
    """Run state machines for real against ``endpoint``; returns a function that undoes it.

    ``real_seconds`` converts an AWS wait (Wait state, Retry interval) into real seconds;
    ``check_definition`` returns a problem description for a bad definition (or None), so
    CreateStateMachine/UpdateStateMachine reject it with InvalidDefinition as AWS does.
    """
    with _patch_lock:
        _install_patches()
        target = Target(endpoint, real_seconds, check_definition)
        _targets.append(target)
        default_user_config["stepfunctions"]["execute_state_machine"] = True
        for name in ("moto.stepfunctions.parser",):
            logger = logging.getLogger(name)
            _log_levels.setdefault(name, logger.level)
            logger.setLevel(logging.CRITICAL)

    def disable() -> None:
        with _patch_lock:
            if target in _targets:
                _targets.remove(target)
            if not _targets:
                default_user_config["stepfunctions"]["execute_state_machine"] = False
                for name, level in _log_levels.items():
                    logging.getLogger(name).setLevel(level)
                _log_levels.clear()

    return disable


# -- patches ----------------------------------------------------------------------------------
def _install_patches() -> None:
    global _patched
    if _patched:
        return
    check_patch_points()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        return _current().client(region, service)

    for module_name in _CLIENT_USERS:
        importlib.import_module(module_name).boto_client_for = boto_client_for  # type: ignore[attr-defined]

    wait_function.WaitFunction._wait_interval = _wait_interval  # type: ignore[method-assign]
    cast(Any, retrier_decl).time = _LabTime()
    _fix_error_codes()
    _patch_lambda_errors()
    _patch_choice()
    _patch_heartbeat()
    _patch_json_path()
    _patch_jsonata()
    _patch_callbacks()
    _patch_backend()
    _patch_responses()
    sfn_bounds.install()
    sfn_errors.install()
    sfn_nested.install()
    _patched = True


def _wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
    """A Wait state on the lab clock; stops early when the execution is stopped."""
    if wait_seconds <= 0:
        return
    deadline = time.monotonic() + _current().real_seconds(float(wait_seconds))
    while env.is_running():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        env.program_state_event.wait(left)


class _LabTime:
    """Stands in for the ``time`` module in moto's retrier: intervals on the lab clock."""

    def sleep(self, seconds: float) -> None:
        time.sleep(_current().real_seconds(float(seconds)))

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def _patch_lambda_errors() -> None:
    task_lambda = state_task_lambda.StateTaskLambda
    service_lambda = state_task_service_lambda.StateTaskServiceLambda
    original_task: Any = task_lambda._from_error
    original_service: Any = service_lambda._from_error

    def rename(event: FailureEvent) -> FailureEvent:
        details: Any = event.event_details or {}
        for spec in details.values():
            error = spec.get("error") if isinstance(spec, dict) else None
            if error in UNKNOWN_LAMBDA_ERRORS:
                spec["error"] = "Lambda.Unknown"
                spec["cause"] = UNKNOWN_CAUSE.format(payload=spec.get("cause", ""))
                event.error_name = CustomErrorName("Lambda.Unknown")  # type: ignore[misc]
        return event

    @functools.wraps(original_task)
    def task_from_error(self: Any, env: Any, ex: Exception) -> FailureEvent:
        from botocore.exceptions import ClientError

        if isinstance(ex, ClientError):
            # AWS: Lambda.ResourceNotFoundException etc.; moto: "Exception".
            error, cause = service_lambda._error_cause_from_client_error(ex)
            ex = lambda_eval_utils.LambdaFunctionErrorException(
                "Unhandled", json.dumps({"errorType": error})
            )
            event: FailureEvent = original_task(self, env, ex)
            details: Any = event.event_details or {}
            for spec in details.values():
                spec["cause"] = cause
            return event
        return rename(original_task(self, env, ex))

    @functools.wraps(original_service)
    def service_from_error(self: Any, env: Any, ex: Exception) -> FailureEvent:
        return rename(original_service(self, env, ex))

    task_lambda._from_error = task_from_error  # type: ignore[method-assign]
    service_lambda._from_error = service_from_error  # type: ignore[method-assign]


def _type_of(state_machine: Any) -> str:
    return str(getattr(state_machine, "type", None) or "STANDARD")


def _extract_json(path: str, data: Any) -> Any:
    try:
        return semantics.extract_json(path, data)
    except semantics.NoSuchPath:
        raise json_path.NoSuchJsonPathError(json_path=path, data=data) from None


def _patch_json_path() -> None:
    original: Any = json_path.extract_json
    for name, module in list(sys.modules.items()):
        if (
            name.startswith("moto.stepfunctions.parser")
            and getattr(module, "extract_json", None) is original
        ):
            module.extract_json = _extract_json  # type: ignore[attr-defined]


def _replace_everywhere(attr: str, original: Any, replacement: Any) -> None:
    """Rebind a function in every parser module that imported it by name."""
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions.parser") and getattr(module, attr, None) is original:
            setattr(module, attr, replacement)


def _eval_jsonata(expression: str) -> Any:
    try:
        return semantics.eval_jsonata(expression)
    except semantics.JsonataError as exc:
        raise jsonata.JSONataException(exc.error, exc.details) from None


def _patch_jsonata() -> None:
    """moto ships the JSONata plumbing but no engine (LocalStack uses a JVM); plug in the
    pure-Python port of the same jsonata-java engine."""
    cast(Any, jsonata)._eval_jsonata = _eval_jsonata
    original: Any = jsonata.eval_jsonata_expression

    @functools.wraps(original)
    def eval_jsonata_expression(expression: str) -> Any:
        return _eval_jsonata(expression)

    cast(Any, jsonata).eval_jsonata_expression = eval_jsonata_expression
    for name, module in list(sys.modules.items()):
        if (
            name.startswith("moto.stepfunctions.parser")
            and getattr(module, "eval_jsonata_expression", None) is original
        ):
            module.eval_jsonata_expression = eval_jsonata_expression  # type: ignore[attr-defined]


def _patch_heartbeat() -> None:
    """A missed heartbeat is States.HeartbeatTimeout on AWS (moto: States.Timeout)."""
    callback_task = state_task_service_callback.StateTaskServiceCallback
    original: Any = callback_task._from_error

    @functools.wraps(original)
    def from_error(self: Any, env: Any, ex: Exception) -> FailureEvent:
        if isinstance(ex, cast(Any, state_task_service_callback).HeartbeatTimeoutError):
            error = StatesErrorNameType.StatesHeartbeatTimeout
            return FailureEvent(
                env=env,
                error_name=StatesErrorName(typ=error),
                event_type=parser_api.HistoryEventType.TaskTimedOut,
                event_details=cast(Any, EventDetails)(
                    taskTimedOutEventDetails=parser_api.TaskTimedOutEventDetails(
                        resourceType=self._get_sfn_resource_type(),
                        resource=self._get_sfn_resource(),
                        error=error.to_name(),
                        cause="No heartbeat (SendTaskHeartbeat) arrived within HeartbeatSeconds",
                    )
                ),
            )
        result: FailureEvent = original(self, env, ex)
        return result

    callback_task._from_error = from_error  # type: ignore[method-assign]


def _patch_choice() -> None:
    """No rule matched and no Default: AWS fails with States.NoChoiceMatched (moto: Runtime)."""
    choice_cls = state_choice.StateChoice
    original: Any = choice_cls._eval_state

    @functools.wraps(original)
    def eval_state(self: Any, env: Any) -> None:
        if self.default_state is None:
            matched = False
            for rule in self.choices_decl.rules:
                rule.eval(env)
                if env.stack.pop() is True:
                    matched = True
                    break
            if not matched:
                error = StatesErrorNameType.StatesNoChoiceMatched.to_name()
                raise FailureEventException(
                    failure_event=FailureEvent(
                        env=env,
                        error_name=StatesErrorName(typ=StatesErrorNameType.StatesNoChoiceMatched),
                        event_type=parser_api.HistoryEventType.ExecutionFailed,
                        event_details=cast(Any, EventDetails)(
                            executionFailedEventDetails=parser_api.ExecutionFailedEventDetails(
                                error=error,
                                cause=(
                                    f"No Choice Rule of state '{self.name}' matched its input "
                                    "and it has no Default state"
                                ),
                            )
                        ),
                    )
                )
        original(self, env)

    choice_cls._eval_state = eval_state  # type: ignore[method-assign]


def _fix_error_codes() -> None:
    """moto's parser errors carry their AWS code in ``code``; moto's serializer reads TYPE."""
    for value in vars(parser_api).values():
        if (
            isinstance(value, type)
            and issubclass(value, AWSError)
            and value.TYPE is None
            and isinstance(getattr(value, "code", None), str)
        ):
            target: Any = value
            target.TYPE = value.code
            target.STATUS = int(getattr(value, "status_code", 400))


class InvalidDefinition(AWSError):
    TYPE = "InvalidDefinition"
    STATUS = 400


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
