"""moto internals for Lambda and the server: building moto's WSGI app, reading a function's
configuration for the runtime, writing logs and metrics into moto's backends, and the few
patches that make moto keep settings it would otherwise drop. moto is pinned to a tested
range in pyproject.toml; ``check_patch_points()`` fails loudly if an attribute we rely on moved.
"""

from __future__ import annotations

import functools
import random
import re
import threading
from typing import Any

import moto
from moto.awslambda.models import EventInvokeConfig, LambdaBackend, LambdaFunction, lambda_backends
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.moto_server import werkzeug_app
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    create_backend_app,
)

from lablib.aws.moto_bridge import lambda_states, sinks
from lablib.aws.moto_bridge.backends import region_backend
from lablib.runtime.model import FunctionConfig, Layer

ACCOUNT_ID = DEFAULT_ACCOUNT_ID
SUPPORTED_MOTO = ("5.2.",)


class ResolveError(Exception):
    """A function/qualifier that does not exist, in AWS's error vocabulary."""

    def __init__(self, code: str, message: str, status: int = 404) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def check_patch_points() -> None:
    """Fail loudly when moto changed under us (run at start-up and by a test)."""
    if not moto.__version__.startswith(SUPPORTED_MOTO):
        raise RuntimeError(
            f"lablib is tested with moto {SUPPORTED_MOTO[0]}x; found {moto.__version__}. "
            "Install the pinned range: pip install -e ."
        )
    for attr in ("get_configuration", "update_configuration", "__init__"):
        if not hasattr(LambdaFunction, attr):
            raise RuntimeError(f"moto.awslambda.models.LambdaFunction.{attr} moved")
    if not hasattr(werkzeug_app, "DISABLE_GLOBAL_CORS"):
        raise RuntimeError("moto.moto_server.werkzeug_app.DISABLE_GLOBAL_CORS moved")
    sinks.check_patch_points()


def reset_state() -> None:
    """Forget every resource in every moto backend: a new local AWS starts as a new account."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


def make_moto_app() -> Any:
    # moto's server adds flask-cors to every service app, which echoes any web Origin;
    # lablib's front refuses foreign origins and S3 answers for its own bucket CORS rules.
    setattr(werkzeug_app, "DISABLE_GLOBAL_CORS", True)  # noqa: B010 (not re-exported)
    return DomainDispatcherApplication(create_backend_app)


# -- patches: settings moto accepts but does not keep -----------------------------------------
_EXTRA_KEYS = ("DeadLetterConfig", "LoggingConfig")
_patched = False
_patch_lock = threading.Lock()


def install_patches() -> None:
    """Make moto keep DeadLetterConfig and LoggingConfig and return them, as AWS does."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        check_patch_points()
        original_init = LambdaFunction.__init__
        original_get = LambdaFunction.get_configuration
        original_update = LambdaFunction.update_configuration

        @functools.wraps(original_init)
        def init(self: Any, account_id: str, spec: dict[str, Any], *a: Any, **kw: Any) -> None:
            original_init(self, account_id, spec, *a, **kw)
            self.lablib_extra = {k: spec[k] for k in _EXTRA_KEYS if spec.get(k)}

        @functools.wraps(original_get)
        def get_configuration(self: Any, *a: Any, **kw: Any) -> dict[str, Any]:
            config: dict[str, Any] = original_get(self, *a, **kw)
            extra = getattr(self, "lablib_extra", {})
            config.update(extra)
            if "LoggingConfig" not in extra:
                config["LoggingConfig"] = {
                    "LogFormat": "Text",
                    "LogGroup": f"/aws/lambda/{self.function_name}",
                }
            return config

        @functools.wraps(original_update)
        def update_configuration(self: Any, updates: dict[str, Any]) -> dict[str, Any]:
            extra = getattr(self, "lablib_extra", {})
            for key in _EXTRA_KEYS:
                if key in updates:
                    extra[key] = updates[key]
            self.lablib_extra = extra
            result: dict[str, Any] = original_update(self, updates)
            result.update(extra)
            return result

        def put_event_invoke_config(
            self: Any, function_name: str, config: dict[str, Any]
        ) -> dict[str, Any]:
            # AWS replaces the whole configuration; moto appended and kept reading the first.
            fn = self.get_function(function_name)
            arn = (
                fn.function_arn
                if ":" in fn.function_arn.split(":function:")[-1]
                else (f"{fn.function_arn}:$LATEST")
            )
            event_config = EventInvokeConfig(arn, fn.last_modified, config)
            fn.event_invoke_config[:] = [event_config]
            return dict(event_config.response())

        def update_event_invoke_config(
            self: Any, function_name: str, config: dict[str, Any]
        ) -> dict[str, Any]:
            # Update changes only the settings given; the rest stay.
            fn = self.get_function(function_name)
            current = dict(fn.event_invoke_config[-1].config) if fn.event_invoke_config else {}
            current.update({k: v for k, v in config.items() if k != "FunctionName"})
            return put_event_invoke_config(self, function_name, current)

        LambdaBackend.put_function_event_invoke_config = put_event_invoke_config  # type: ignore[method-assign]
        LambdaBackend.update_function_event_invoke_config = update_event_invoke_config  # type: ignore[method-assign]
        LambdaFunction.__init__ = init  # type: ignore[method-assign]
        LambdaFunction.get_configuration = get_configuration  # type: ignore[method-assign]
        LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign,assignment]
        lambda_states.install_patches()
        _patched = True


# -- reading functions -----------------------------------------------------------------------
_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([^:]+)(?::(.+))?$")


def split_name(name_or_arn: str, qualifier: str | None) -> tuple[str, str | None, str | None]:
    """Return (function name, qualifier, region from the ARN if any)."""
    match = _ARN.match(name_or_arn)
    if match:
        return match.group(3), match.group(4) or qualifier, match.group(1)
    if ":" in name_or_arn:
        name, _, in_name = name_or_arn.partition(":")
        return name, in_name or qualifier, None
    return name_or_arn, qualifier, None


def s3_object(account: str, region: str, bucket: str, key: str, version: str | None) -> bytes:
    """An S3 object's bytes (code or a layer from S3); ResolveError when it is missing."""
    from moto.s3.models import s3_backends

    try:
        obj = s3_backends[account]["global"].get_object(bucket, key, version_id=version)
    except Exception:
        obj = None
    if obj is None:
        raise ResolveError(
            "InvalidParameterValueException",
            f"Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: "
            f"The specified key does not exist. (bucket {bucket}, key {key})",
            400,
        )
    return bytes(obj.value)


def _backend(account: str, region: str) -> Any:
    return region_backend(lambda_backends, account, region)


def resolve_function(
    account: str, region: str, name_or_arn: str, qualifier: str | None
) -> tuple[FunctionConfig, str | None]:
    """The function version that runs for this call (alias weights applied).

    Returns the runtime's FunctionConfig and the qualifier as the caller gave it.
    """
    name, qualifier, arn_region = split_name(name_or_arn, qualifier)
    region = arn_region or region
    backend = _backend(account, region)
    unqualified = f"arn:aws:lambda:{region}:{account}:function:{name}"
    version = qualifier or "$LATEST"
    if qualifier and qualifier != "$LATEST" and not qualifier.isdigit():
        aliases = backend._lambdas._get_function_aliases(name) if _exists(backend, name) else {}
        alias = aliases.get(qualifier)
        if alias is None:
            raise ResolveError(
                "ResourceNotFoundException",
                f"Function not found: {unqualified}:{qualifier}",
            )
        version = alias.function_version
        weights = (alias.routing_config or {}).get("AdditionalVersionWeights") or {}
        for extra_version, weight in weights.items():
            if random.random() < float(weight):
                version = str(extra_version)
    try:
        fn = backend.get_function(name, None if version == "$LATEST" else version)
    except Exception:
        shown = f"{unqualified}:{qualifier or '$LATEST'}"
        raise ResolveError("ResourceNotFoundException", f"Function not found: {shown}") from None
    return to_config(
        fn, account, region, "$LATEST" if version == "$LATEST" else str(fn.version)
    ), qualifier  # noqa: E501


def _exists(backend: Any, name: str) -> bool:
    return name in backend._lambdas._functions


def function_code(account: str, region: str, name_or_arn: str) -> tuple[bytes, list[str]] | None:
    """The zip and layer ARNs of a function's $LATEST, or None when it does not exist."""
    name, _, arn_region = split_name(name_or_arn, None)
    try:
        fn = _backend(account, arn_region or region).get_function(name, None)
    except Exception:
        return None
    return bytes(fn.code_bytes or b""), [layer["Arn"] for layer in fn.layers or []]


def layer_code(account: str, region: str, arn: str) -> bytes | None:
    """The zip of one layer version (by its ARN), or None when there is no such version."""
    match = re.match(r"^arn:aws[a-z-]*:lambda:([a-z0-9-]+):", arn)
    try:
        version = _backend(account, match.group(1) if match else region).layers_versions_by_arn(arn)
    except Exception:
        return None
    return None if version is None else bytes(version.code_bytes or b"")


def to_config(fn: Any, account: str, region: str, version: str) -> FunctionConfig:
    layers = []
    backend = _backend(account, region)
    for layer in fn.layers or []:
        layer_version = backend.layers_versions_by_arn(layer["Arn"])
        if layer_version is not None:
            layers.append(Layer(layer["Arn"], layer_version.code_sha_256, _loader(layer_version)))
    reserved = fn.reserved_concurrency
    logging_config = getattr(fn, "lablib_extra", {}).get("LoggingConfig", {})
    json_logs = logging_config.get("LogFormat") == "JSON"
    return FunctionConfig(
        name=fn.function_name,
        unqualified_arn=f"arn:aws:lambda:{region}:{account}:function:{fn.function_name}",
        version=version,
        region=region,
        account=account,
        runtime=fn.run_time or "",
        handler=fn.handler or "",
        memory_mb=int(fn.memory_size),
        timeout_s=float(fn.timeout),
        code_sha=fn.code_sha_256,
        load_code=_loader(fn),
        env_vars=tuple(sorted((fn.environment_vars or {}).items())),
        layers=tuple(layers),
        reserved_concurrency=None if reserved is None else int(reserved),
        ephemeral_mb=int(fn.ephemeral_storage),
        log_group=logging_config.get("LogGroup") or f"/aws/lambda/{fn.function_name}",
        log_format="JSON" if json_logs else "Text",
        app_log_level=logging_config.get("ApplicationLogLevel", "INFO") if json_logs else None,
        system_log_level=logging_config.get("SystemLogLevel", "INFO") if json_logs else None,
    )


def _loader(obj: Any) -> Any:
    return lambda: obj.code_bytes


def account_settings(account: str, region: str) -> dict[str, Any]:
    """GetAccountSettings: AWS's default limits and this account's usage."""
    from lablib.runtime.model import ACCOUNT_LIMITS

    functions = list(_backend(account, region).list_functions())
    reserved = sum(int(fn.reserved_concurrency or 0) for fn in functions)
    limits = dict(ACCOUNT_LIMITS)
    limits["UnreservedConcurrentExecutions"] = limits["ConcurrentExecutions"] - reserved
    return {
        "AccountLimit": limits,
        "AccountUsage": {
            "TotalCodeSize": sum(int(getattr(fn, "code_size", 0) or 0) for fn in functions),
            "FunctionCount": len(functions),
        },
    }


def event_invoke_config(account: str, region: str, name: str) -> dict[str, Any]:
    """The function's latest PutFunctionEventInvokeConfig settings ({} when none)."""
    try:
        fn = _backend(account, region).get_function(name)
    except Exception:
        return {}
    configs = getattr(fn, "event_invoke_config", [])
    return dict(configs[-1].config) if configs else {}


def dead_letter_target(account: str, region: str, name: str, version: str) -> str | None:
    try:
        fn = _backend(account, region).get_function(name, None if version == "$LATEST" else version)
    except Exception:
        return None
    target: str | None = (
        getattr(fn, "lablib_extra", {}).get("DeadLetterConfig", {}).get("TargetArn")
    )
    return target
