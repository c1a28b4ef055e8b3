"""The server plugin for this package: CloudFormation with SAM, and IAM learning mode.

``install(local)`` patches moto's CloudFormation (through ``lablib.aws.moto_bridge``) so
stack operations run ``lablib.sam.prepare`` first and know the resource types of
``lablib.sam.resources``, and adds the IAM learning-mode route
(``lablib.iam_mode``). Listed in ``lablib.aws.server.PLUGINS``.
"""

from __future__ import annotations

from typing import Any

from lablib.aws import fidelity_http
from lablib.aws.moto_bridge import cloudformation as cfn_bridge
from lablib.sam import property_fidelity
from lablib.sam.prepare import TemplateError, TransformFailed, prepare
from lablib.sam.resources import MODELS


def _prepare(text: str, parameters: dict[str, Any], account: str, region: str) -> str:
    from lablib.aws.moto_bridge.s3_objects import read_object

    def read_s3(bucket: str, key: str) -> bytes:
        return read_object(account, bucket, key)

    try:
        return prepare(text, parameters, account, region, read_s3)
    except TemplateError as exc:
        raise cfn_bridge.TemplateRejected(str(exc)) from None
    except TransformFailed as exc:
        raise cfn_bridge.StackFailed(str(exc)) from None


class _Installed:
    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts

    def close(self) -> None:
        for part in reversed(self.parts):
            part.close()


def install(local: Any) -> _Installed:
    cfn_bridge.install_patches(_prepare, MODELS, property_fidelity.note)
    fidelity_http.install(local, ["cloudformation"])  # ignored parameters are loud
    parts: list[Any] = []
    try:
        from lablib.iam_mode.route import install as install_iam
    except ModuleNotFoundError:  # pragma: no cover - during development only
        return _Installed(parts)
    parts.append(install_iam(local))
    return _Installed(parts)
