"""How Step Functions behaves on AWS where moto's interpreter differs: the rules the moto
bridge's patches (``lablib.aws.moto_bridge.stepfunctions`` and its ``sfn_*`` modules) apply,
kept here, free of moto.

- which Lambda errors AWS reports as ``Lambda.Unknown``, and with what cause;
- which errors a Retrier's or Catcher's ``ErrorEquals`` matches (``error_matches``);
- JSONPath as AWS applies it (a definite path gives one value, others a list);
- JSONata with the pure-Python port of the jsonata-java engine AWS runs;
- Express execution ARNs and StartSyncExecution's billing details;
- DescribeExecution's input/output details and redrive fields;
- the interpreter's AWS clients: one cached boto3 client per region and service, on the
  local AWS's endpoint, with AWS waits converted to lab-clock seconds.
"""

from __future__ import annotations

import functools
import re
import threading
import uuid
from collections.abc import Callable
from typing import Any, cast

import boto3
import jsonpath_ng.ext
from botocore.config import Config

# Lambda reports these for failures of the environment rather than the handler; Step
# Functions names them Lambda.Unknown (the handler returned no error type of its own).
UNKNOWN_LAMBDA_ERRORS = frozenset(
    {"Sandbox.Timedout", "Runtime.OutOfMemory", "Runtime.ExitError", "Runtime.Unknown"}
)
UNKNOWN_CAUSE = (
    "The cause could not be determined because Lambda did not return an error type. "
    "Returned payload: {payload}"
)


class Target:
    """Where the interpreter's clients point and how long AWS waits take here."""

    def __init__(
        self,
        endpoint: str,
        real_seconds: Callable[[float], float],
        check_definition: Callable[[str], str | None] | None,
    ) -> None:
        self.endpoint = endpoint
        self.real_seconds = real_seconds
        self.check_definition = check_definition
        self.clients: dict[tuple[str, str], Any] = {}
        self.lock = threading.Lock()

    def client(self, region: str, service: str) -> Any:
        key = (region, service)
        with self.lock:
            found = self.clients.get(key)
            if found is None:
                found = boto3.client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint,
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                    aws_session_token="testing",
                    config=Config(
                        parameter_validation=False,
                        retries={"total_max_attempts": 1, "mode": "standard"},
                        connect_timeout=10,
                        read_timeout=960,
                        inject_host_prefix=False,
                        max_pool_connections=50,
                    ),
                )
                self.clients[key] = found
            return found


# -- Retry and Catch: which errors ErrorEquals matches -------------------------------------------
# AWS: States.ALL matches any known error name except the terminal States.DataLimitExceeded and
# States.Runtime; States.TaskFailed matches any known error name except States.Timeout (and,
# being narrower than States.ALL, not the terminal two either). States.Runtime is never retried
# or caught, even by name.
TERMINAL_ERRORS = frozenset({"States.DataLimitExceeded", "States.Runtime"})


def error_matches(error: str, error_equals: list[str]) -> bool:
    """Whether an error named ``error`` matches a Retrier's or Catcher's ``ErrorEquals``."""
    if error == "States.Runtime":
        return False
    if error in error_equals:
        return True
    if error in TERMINAL_ERRORS:
        return False
    if "States.ALL" in error_equals:
        return True
    return "States.TaskFailed" in error_equals and error != "States.Timeout"


# -- JSONPath and JSONata -----------------------------------------------------------------------
class NoSuchPath(Exception):
    """A definite JSONPath matched nothing (the bridge raises moto's NoSuchJsonPathError)."""


@functools.lru_cache(maxsize=1024)
def _parsed(path: str) -> Any:
    """A JSONPath parsed once (jsonpath_ng builds a new parser per parse, ~8 ms)."""
    return cast(Any, jsonpath_ng.ext).parse(path)


def extract_json(path: str, data: Any) -> Any:
    """JSONPath as AWS applies it: a definite path (``$.items[0].price``) gives one value;
    wildcards, slices, filters and deep scans give a list. moto wraps the former in a list."""
    matches = _parsed(path).find(data)
    indefinite = bool(_INDEFINITE.search(path))
    if not matches:
        if indefinite:
            return []
        raise NoSuchPath(path)
    if indefinite:
        return [match.value for match in matches]
    return matches[0].value


_INDEFINITE = re.compile(r"\[[^\]]*[*:?,][^\]]*\]|\.\.|\.\*")


class JsonataError(Exception):
    """A JSONata expression failed (the bridge raises moto's JSONataException)."""

    def __init__(self, error: str, details: str) -> None:
        super().__init__(error, details)
        self.error, self.details = error, details


def eval_jsonata(expression: str) -> Any:
    try:
        import jsonata as jsonata_python
    except ImportError:
        raise JsonataError(
            "States.QueryEvaluationError",
            "JSONata needs the jsonata-python package: pip install jsonata-python",
        ) from None
    try:
        return jsonata_python.Jsonata(expression).evaluate(None)
    except Exception as exc:
        raise JsonataError("UNKNOWN", str(exc)) from None


# -- Express executions -------------------------------------------------------------------------
def is_express_arn(arn: str) -> bool:
    return arn.split(":")[5:6] == ["express"]


def express_arn(state_machine_arn: str, name: str) -> str:
    prefix, _, sm_name = state_machine_arn.rpartition(":stateMachine:")
    return f"{prefix}:express:{sm_name}:{name}:{uuid.uuid4()}"


def sync_billing(elapsed_s: float) -> dict[str, int]:
    """StartSyncExecution's billingDetails: 100 ms units, at least one; 64 MB."""
    billed_ms = max(100, int(elapsed_s * 1000 + 99) // 100 * 100)
    return {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed_ms}


# -- DescribeExecution: redrive fields ----------------------------------------------------------
_REDRIVE_REASONS = {
    "SUCCEEDED": "Execution is SUCCEEDED and cannot be redriven",
    "RUNNING": "Execution is RUNNING and cannot be redriven",
}


def redrive_fields(described: dict[str, Any]) -> dict[str, Any]:
    """DescribeExecution's input/output details and redrive fields, as AWS returns them."""
    status = str(getattr(described.get("status"), "value", described.get("status")))
    if "input" in described:
        described.setdefault("inputDetails", {"included": True})
    if "output" in described:
        described["outputDetails"] = {"included": True}
    described["redriveCount"] = 0
    if status in ("FAILED", "ABORTED", "TIMED_OUT"):
        described["redriveStatus"] = "REDRIVABLE"
    else:
        described["redriveStatus"] = "NOT_REDRIVABLE"
        described["redriveStatusReason"] = _REDRIVE_REASONS.get(
            status, f"Execution is {status} and cannot be redriven"
        )
    return described
