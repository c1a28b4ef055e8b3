"""The one place in lablib that touches moto internals (a package: one file per service).

Nothing outside ``lablib.aws.moto_bridge`` may import moto; ``tests/test_public_api.py``
enforces it. moto is pinned to a tested range in pyproject.toml, and each file checks the
attributes it relies on (``check_patch_points``) so a moto upgrade fails loudly, not subtly.
Files: ``lambda_`` (functions, logs and metrics sinks, Lambda patches), and one per service
that needs more than moto's control plane (API Gateway, event sources, Step Functions, ...).
"""

from moto.moto_server.werkzeug_app import MotoRequestHandler

from lablib.aws.moto_bridge.lambda_ import (
    ACCOUNT_ID,
    MotoLogSink,
    MotoMetricSink,
    ResolveError,
    account_settings,
    check_patch_points,
    dead_letter_target,
    event_invoke_config,
    install_patches,
    make_moto_app,
    reset_state,
    resolve_function,
    split_name,
)

__all__ = [
    "ACCOUNT_ID",
    "MotoLogSink",
    "MotoMetricSink",
    "MotoRequestHandler",
    "ResolveError",
    "account_settings",
    "check_patch_points",
    "dead_letter_target",
    "event_invoke_config",
    "install_patches",
    "make_moto_app",
    "reset_state",
    "resolve_function",
    "split_name",
]
