"""The fidelity matrix: what the local AWS does with each parameter, and loudness about it.

Parameters marked ``ignored`` are accepted but not simulated. The first time a request uses
one, the server says so (stderr, once per service/operation/parameter). With
``LABLIB_STRICT=1`` such a request is refused with an error that names the parameter.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MATRIX_PATH = Path(__file__).with_name("fidelity.yaml")
STATUSES = ("faithful", "approximated", "ignored", "rejected")


@dataclass(frozen=True)
class Row:
    service: str
    operation: str
    parameter: str
    status: str
    how: str


@functools.cache
def load() -> dict[str, dict[str, dict[str, Row]]]:
    raw: dict[str, Any] = yaml.safe_load(MATRIX_PATH.read_text())
    matrix: dict[str, dict[str, dict[str, Row]]] = {}
    for service, operations in raw.items():
        for operation, parameters in operations.items():
            if not isinstance(parameters, dict):
                parameters = {"": parameters}
            if "status" in parameters:  # a behaviour row: {status, how}
                parameters = {"": parameters}
            for parameter, value in parameters.items():
                status, how = (
                    (value, "")
                    if isinstance(value, str)
                    else (value["status"], value.get("how", ""))
                )
                if status not in STATUSES:
                    raise ValueError(
                        f"{MATRIX_PATH}: {service}.{operation}.{parameter}: unknown status "
                        f"{status!r}; use one of {', '.join(STATUSES)}"
                    )
                matrix.setdefault(service, {}).setdefault(operation, {})[parameter] = Row(
                    service, operation, parameter, status, how
                )
    return matrix


def rows() -> list[Row]:
    return [row for ops in load().values() for params in ops.values() for row in params.values()]


class NotSimulated(Exception):
    def __init__(self, row: Row) -> None:
        self.row = row
        super().__init__(
            f"{row.parameter} is accepted by {row.service} {row.operation} on AWS but not "
            f"simulated by the local lab ({row.how}). Remove it, or unset LABLIB_STRICT to "
            "continue with a warning."
        )


_warned: set[tuple[str, str, str]] = set()
_lock = threading.Lock()


def check(service: str, operation: str, parameters: dict[str, Any]) -> None:
    """Warn once (or raise NotSimulated in strict mode) for ignored parameters in use."""
    known = load().get(service, {}).get(operation, {})
    for name, value in parameters.items():
        row = known.get(name)
        # An empty value or False (the default of every ignored flag) uses nothing.
        if row is None or row.status != "ignored" or value is False or value in (None, "", [], {}):
            continue
        if os.environ.get("LABLIB_STRICT") == "1":
            raise NotSimulated(row)
        key = (service, operation, name)
        with _lock:
            if key in _warned:
                continue
            _warned.add(key)
        print(
            f"lablib: {service} {operation}: {name} is accepted but not simulated here "
            f"({row.how}). LABLIB_STRICT=1 makes this an error.",
            file=sys.stderr,
            flush=True,
        )


def table(markdown: bool = True) -> str:
    """The matrix as a Markdown table (for `lablib fidelity` and the study site)."""
    lines = ["| service | operation | parameter / behaviour | status | how it differs |",
             "|---|---|---|---|---|"]  # fmt: skip
    for row in rows():
        how = row.how.replace("|", "\\|")
        lines.append(
            f"| {row.service} | {row.operation} | {row.parameter or '-'} | {row.status} | {how} |"
        )
    if not markdown:
        return "\n".join(line for line in lines if not line.startswith("|---"))
    return "\n".join(lines)
