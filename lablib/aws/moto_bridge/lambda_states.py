"""moto internals for Lambda function states and revisions, as AWS reports them.

On AWS a new function is ``Pending`` ("The function is being created.", ``Creating``) for a
moment before it is ``Active``, and an update leaves ``LastUpdateStatus`` ``InProgress``
before ``Successful``: the reason the ``function_active_v2``/``function_updated_v2`` waiters
exist. A second update meanwhile fails with ``ResourceConflictException``. Every change of
configuration or state gives a new ``RevisionId``, which the calls that take one check.

Here the transitions take ``LABLIB_LAMBDA_TRANSITION_SECONDS`` AWS seconds (default 2) on
the lab clock: about 33 ms at the default 60x. Invoke is not held back meanwhile (the new
code runs at once), which the fidelity matrix says.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
import uuid
from typing import Any

from moto.awslambda.models import LambdaBackend, LambdaFunction, LambdaStorage, lambda_backends

from lablib.aws.moto_bridge.once import once

CREATING = ("The function is being created.", "Creating")
_state = {"scale": 60.0}


def set_clock_scale(scale: float) -> None:
    """How many AWS seconds pass per real second (the lab clock of the running local AWS)."""
    _state["scale"] = max(float(scale), 1.0)


def _until() -> float:
    aws_seconds = float(os.environ.get("LABLIB_LAMBDA_TRANSITION_SECONDS", "2"))
    return time.monotonic() + max(0.0, aws_seconds) / _state["scale"]


def _mark(fn: Any, phase: str) -> None:
    fn.lablib_generation = getattr(fn, "lablib_generation", 0) + 1
    fn.lablib_phase = phase
    fn.lablib_phase_until = _until()


def phase_of(fn: Any) -> str:
    """``creating``, ``updating`` or ``settled`` now."""
    phase: str = getattr(fn, "lablib_phase", "settled")
    if phase != "settled" and time.monotonic() >= getattr(fn, "lablib_phase_until", 0.0):
        phase = "settled"
    return phase


def revision_of(fn: Any) -> str:
    revisions: dict[tuple[int, str], str] = fn.__dict__.setdefault("lablib_revisions", {})
    key = (getattr(fn, "lablib_generation", 0), phase_of(fn))
    if key not in revisions:
        revisions[key] = str(uuid.uuid4())
    return revisions[key]


def runtime_version_arn(region: str, runtime: str) -> str:
    digest = hashlib.sha256(runtime.encode()).hexdigest()
    return f"arn:aws:lambda:{region}::runtime:{digest}"


def shape(fn: Any, config: dict[str, Any], on_create: bool) -> dict[str, Any]:
    """Add state, revision and the fields AWS returns to a function configuration."""
    if not config.get("Layers"):
        config.pop("Layers", None)
    if getattr(fn, "lablib_environment_given", False) and "Environment" not in config:
        config["Environment"] = {"Variables": {}}
    if config.get("PackageType", "Zip") == "Zip" and config.get("Runtime"):
        config["RuntimeVersionConfig"] = {
            "RuntimeVersionArn": runtime_version_arn(fn.region, str(config["Runtime"]))
        }
    phase = "creating" if on_create else phase_of(fn)
    for key in ("StateReason", "StateReasonCode", "LastUpdateStatusReason"):
        config.pop(key, None)
    config.pop("LastUpdateStatusReasonCode", None)
    if phase == "creating":
        config["State"] = "Pending"
        config["StateReason"], config["StateReasonCode"] = CREATING
        config.pop("LastUpdateStatus", None)
    else:
        config["State"] = "Active"
        config["LastUpdateStatus"] = "Successful"
        if phase == "updating":
            config["LastUpdateStatus"] = "InProgress"
            config["LastUpdateStatusReason"], config["LastUpdateStatusReasonCode"] = CREATING
    config["RevisionId"] = revision_of(fn)
    return config


@once
def install_patches() -> None:
    """Mark creations, updates and publishes; shape every configuration moto returns."""
    for attr in ("update_configuration", "update_function_code", "get_configuration"):
        if not hasattr(LambdaFunction, attr):
            raise RuntimeError(f"moto.awslambda.models.LambdaFunction.{attr} moved")
    original_create = LambdaBackend.create_function
    original_update_config = LambdaFunction.update_configuration
    original_update_code = LambdaFunction.update_function_code
    original_get = LambdaFunction.get_configuration
    original_publish = LambdaStorage.publish_version

    @functools.wraps(original_publish)
    def publish_version(self: Any, name_or_arn: str, description: str = "") -> Any:
        latest = self.get_function_by_name_or_arn_forbid_qualifier(name_or_arn)
        before = list(self._functions.get(latest.function_name, {}).get("versions", []))
        fn = original_publish(self, name_or_arn, description)
        if fn is not None and not any(fn is old for old in before):
            published(fn, latest)
        return fn

    @functools.wraps(original_create)
    def create_function(self: Any, spec: dict[str, Any]) -> Any:
        fn: Any = original_create(self, spec)
        fn.lablib_environment_given = "Environment" in spec
        _mark(fn, "creating")
        return fn

    @functools.wraps(original_update_config)
    def update_configuration(self: Any, updates: dict[str, Any]) -> Any:
        if "Environment" in updates:
            setattr(self, "lablib_environment_given", True)  # noqa: B010
        _mark(self, "updating")
        return original_update_config(self, updates)

    @functools.wraps(original_update_code)
    def update_function_code(self: Any, spec: dict[str, Any]) -> Any:
        _mark(self, "updating")
        return original_update_code(self, spec)

    @functools.wraps(original_get)
    def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
        config: dict[str, Any] = original_get(self, on_create=on_create)
        return shape(self, config, on_create)

    LambdaBackend.create_function = create_function  # type: ignore[method-assign]
    LambdaStorage.publish_version = publish_version  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign,assignment]
    LambdaFunction.update_function_code = update_function_code  # type: ignore[method-assign,assignment]
    LambdaFunction.get_configuration = get_configuration  # type: ignore[method-assign]


def published(fn: Any, latest: Any) -> None:
    """A version just published from ``latest``: settled, with its own revisions."""
    fn.lablib_revisions = {}
    fn.lablib_phase = "settled"
    fn.lablib_generation = 0
    fn.lablib_source_description = latest.description
    fn.lablib_extra = dict(getattr(latest, "lablib_extra", {}))


def _function(account: str, region: str, name: str) -> Any:
    try:
        return lambda_backends[account][region].get_function(name)
    except Exception:
        return None


def check_change(
    account: str, region: str, name: str, operation: str, body: dict[str, Any]
) -> tuple[int, str, str] | None:
    """(status, code, message) when AWS would refuse this change now, else None."""
    fn = _function(account, region, name)
    if fn is None:
        return None
    expected = body.get("RevisionId")
    if expected and expected != revision_of(fn):
        return (
            412,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the "
            "GetFunction/GetAlias API to retrieve the latest Revision Id",
        )
    if operation == "PublishVersion":
        sha = body.get("CodeSha256")
        if sha and sha != fn.code_sha_256:
            return (
                400,
                "InvalidParameterValueException",
                f"CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST "
                f"({fn.code_sha_256}). Please try again with the CodeSHA256 in $LATEST.",
            )
        return None
    if phase_of(fn) == "updating":
        return (
            409,
            "ResourceConflictException",
            "The operation cannot be performed at this time. An update is in progress for "
            f"resource: {fn.function_arn}",
        )
    return None
