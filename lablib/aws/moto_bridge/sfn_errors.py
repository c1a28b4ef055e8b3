"""Which errors a Retrier's or Catcher's ``ErrorEquals`` matches, as AWS decides it.

moto's interpreter lets ``States.TaskFailed`` match only custom error names (a Lambda's
``ValueError``), so a Catch on ``States.TaskFailed`` missed ``States.HeartbeatTimeout``,
``States.Permissions`` and the other ``States.*`` task errors; and ``States.ALL`` caught the
terminal ``States.DataLimitExceeded`` and ``States.Runtime``. The rule itself is
``lablib.stepfunctions.semantics.error_matches``; this module only plugs it into moto.
"""

from __future__ import annotations

from typing import Any

from moto.stepfunctions.parser.asl.component.common.error_name import error_equals_decl

from lablib.stepfunctions.semantics import error_matches


def check_patch_points() -> None:
    decl = getattr(error_equals_decl, "ErrorEqualsDecl", None)
    if decl is None or not hasattr(decl, "_eval_body"):
        raise RuntimeError(
            "moto moved ErrorEqualsDecl._eval_body: update lablib.aws.moto_bridge.sfn_errors"
        )


def install() -> None:
    check_patch_points()
    decl = error_equals_decl.ErrorEqualsDecl

    def eval_body(self: Any, env: Any) -> None:
        error = env.stack.pop()
        names = [str(name.error_name) for name in self.error_names]
        env.stack.append(error_matches(str(getattr(error, "error_name", error)), names))

    decl._eval_body = eval_body  # type: ignore[method-assign]
