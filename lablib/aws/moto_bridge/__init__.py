"""The one place in lablib that touches moto internals (a package: one file per service).

Nothing outside ``lablib.aws.moto_bridge`` may import moto; the ``moto-boundary`` import
contract (pyproject.toml) and ``tests/test_public_api.py`` enforce it. moto is pinned to a
tested range in pyproject.toml, and each file checks the attributes it relies on
(``check_patch_points``) so a moto upgrade fails loudly, not subtly. Only thin adapters live
here (patch points, backend access); the behaviour they plug in lives in its service's room.
Files: ``lambda_`` (functions, Lambda patches), ``sinks`` (logs and metrics written into
moto's backends), ``cfn_models`` and ``cloudformation`` (for ``lablib.sam``), and one per
service that needs more than moto's control plane (API Gateway, event sources, Step
Functions, CodeDeploy, ...).
"""

from moto.core.request import (
    PRESERVED_HEADER_NAMES_ENVIRON_KEY,
    environ_key_for_header,
    should_preserve_original_header_name,
)
from moto.moto_server.werkzeug_app import MotoRequestHandler

from lablib.aws.moto_bridge.lambda_ import (
    ACCOUNT_ID,
    ResolveError,
    account_settings,
    check_patch_points,
    dead_letter_target,
    event_invoke_config,
    function_code,
    install_patches,
    layer_code,
    make_moto_app,
    reset_state,
    resolve_function,
    s3_object,
    split_name,
)
from lablib.aws.moto_bridge.lambda_states import check_change, set_clock_scale
from lablib.aws.moto_bridge.sinks import MotoLogSink, MotoMetricSink

__all__ = [
    "ACCOUNT_ID",
    "MotoLogSink",
    "MotoMetricSink",
    "MotoRequestHandler",
    "PRESERVED_HEADER_NAMES_ENVIRON_KEY",
    "ResolveError",
    "account_settings",
    "check_change",
    "check_patch_points",
    "dead_letter_target",
    "environ_key_for_header",
    "event_invoke_config",
    "function_code",
    "install_patches",
    "layer_code",
    "make_moto_app",
    "reset_state",
    "resolve_function",
    "s3_object",
    "set_clock_scale",
    "should_preserve_original_header_name",
    "split_name",
]
