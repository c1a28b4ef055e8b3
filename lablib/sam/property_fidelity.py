"""No stack reaches CREATE_COMPLETE with a property ignored silently: every property of the
resource types lablib creates itself, and of moto's own models the labs and sample apps use,
is classified in the fidelity matrix
(``cloudformation-resources`` in lablib/aws/fidelity.yaml, shown by ``lablib fidelity``).

``check(template)`` runs on the processed template (after the SAM transform): an ignored
property in use is reported once in the server output, or fails the stack naming it under
``LABLIB_STRICT=1``; a property AWS's schema does not have fails the stack as CloudFormation
does ("Encountered unsupported property")."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from lablib.aws import fidelity

SECTION = "cloudformation-resources"
_warned: set[tuple[str, str]] = set()
_lock = threading.Lock()


class PropertyRefused(Exception):
    """The stack fails with this reason."""


def note(kind: str, properties: dict[str, Any] | None) -> str | None:
    """What the stack event of a created resource says about the properties it used that
    the local AWS accepts but does not simulate (None: every property used is honoured)."""
    rows = fidelity.load().get(SECTION, {}).get(kind)
    if rows is None or not isinstance(properties, dict):
        return None
    ignored = [
        f"{kind}.{name} ({rows[name].how})"
        for name, value in properties.items()
        if name in rows
        and rows[name].status == "ignored"
        and value not in (None, False, "", [], {})
    ]
    if not ignored:
        return None
    return "lablib: accepted but not simulated by the local AWS: " + "; ".join(ignored)


def check(template: dict[str, Any]) -> None:
    matrix = fidelity.load().get(SECTION, {})
    strict = os.environ.get("LABLIB_STRICT") == "1"
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, dict):
            continue
        kind = str(resource.get("Type"))
        rows = matrix.get(kind)
        if rows is None:
            continue
        for name, value in (resource.get("Properties") or {}).items():
            row = rows.get(name)
            where = f"Resources.{logical_id}.Properties.{name}"
            if row is None:
                raise PropertyRefused(
                    f"{where}: Encountered unsupported property {name} ({kind} has no such "
                    "property)"
                )
            if row.status == "rejected" or (row.status == "ignored" and strict):
                raise PropertyRefused(
                    f"{where} is accepted by AWS but not simulated by the local AWS ({row.how}). "
                    "Remove it, or unset LABLIB_STRICT to continue with a warning."
                )
            if row.status != "ignored" or value in (None, False, "", [], {}):
                continue
            with _lock:
                if (kind, name) in _warned:
                    continue
                _warned.add((kind, name))
            print(
                f"lablib: CloudFormation {kind}: {name} is accepted but not simulated here "
                f"({row.how}). LABLIB_STRICT=1 makes this an error.",
                file=sys.stderr,
                flush=True,
            )
