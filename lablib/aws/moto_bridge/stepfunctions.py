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
The patches for executions and their API (Express, StartSyncExecution, DescribeExecution,
history paging) are in ``sfn_executions``, those for callback task tokens in ``sfn_callbacks``,
and ``sfn_bounds``, ``sfn_errors`` and ``sfn_nested`` hold the rest; ``enable`` installs them all.

``check_patch_points()`` fails loudly when moto moved something we patch.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import moto
from moto.core.config import default_user_config
from moto.core.exceptions import AWSError
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions.parser import api as parser_api
from moto.stepfunctions.parser import models as parser_models
from moto.stepfunctions.parser import utils as parser_utils
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

from lablib.aws.moto_bridge import (
    sfn_bounds,
    sfn_callbacks,
    sfn_errors,
    sfn_executions,
    sfn_nested,
)
from lablib.stepfunctions import semantics
from lablib.stepfunctions.semantics import (
    UNKNOWN_CAUSE,
    UNKNOWN_LAMBDA_ERRORS,
    Target,
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
    sfn_callbacks.install()
    sfn_executions.install(_current)
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
