"""Fidelity checks for API Gateway's control plane: the matrix's operations (through
``lablib.aws.fidelity_http``) plus UpdateStage patch paths, each classified under the
matrix's ``UpdateStage:patch`` rows (a path such as ``/~1orders/GET/caching/dataEncrypted``
is checked as ``{path}/{method}/caching/dataEncrypted``)."""

from __future__ import annotations

from typing import Any

from lablib.aws import fidelity, fidelity_http

PATCH_OPERATION = "UpdateStage:patch"
_PREFIXES = (
    ("/variables/", "/variables/{name}"),
    ("/accessLogSettings", "/accessLogSettings/{field}"),
    ("/canarySettings", "/canarySettings/{field}"),
)


def patch_key(path: str) -> str:
    """The matrix row for one UpdateStage patch path."""
    for prefix, key in _PREFIXES:
        if path.startswith(prefix):
            return key
    known = fidelity.load().get("apigateway", {}).get(PATCH_OPERATION, {})
    if path in known:
        return path
    parts = path.split("/")
    if len(parts) == 5 and not parts[0]:  # /{resource path}/{method}/{group}/{setting}
        for key in (
            f"{{path}}/{{method}}/{parts[3]}/{parts[4]}",
            f"{{path}}/{{method}}/{parts[3]}/{{limit}}",
        ):
            if key in known:
                return key
    return "other"


def patch_checks(service: str, operation: str, params: dict[str, Any]) -> list[fidelity_http.Check]:
    if operation != "UpdateStage":
        return []
    used: dict[str, Any] = {}
    for op in params.get("patchOperations") or []:
        if not isinstance(op, dict) or op.get("op") == "remove":
            continue  # removing a setting uses nothing
        value = op.get("value", op.get("from"))
        if isinstance(value, str) and value.lower() == "false":
            value = False
        used.setdefault(patch_key(str(op.get("path", ""))), value)
    return [("apigateway", PATCH_OPERATION, used)] if used else []


def install(local: Any) -> fidelity_http.FidelityRoute:
    return fidelity_http.install(local, ["apigateway"], patch_checks)
