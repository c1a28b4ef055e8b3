"""The parity scenarios: recorded files, the code that reproduces them, and their results.

A scenario is one recorded response (``lambda/function_lifecycle:create_response``). The
responses of one recorded test are reproduced by one function and compared in order with one
set of placeholder bindings, as LocalStack numbered them per test.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from lablib.aws import fidelity
from tests.parity import compare
from tests.parity.harness import Context

RECORDED = Path(__file__).with_name("recorded")
Scenario = Callable[[Context], dict[str, Any]]


def _modules() -> dict[str, ModuleType]:
    from tests.parity import (
        scenarios_apigateway,
        scenarios_events,
        scenarios_lambda,
        scenarios_stepfunctions,
    )

    return {
        "lambda": scenarios_lambda,
        "apigateway": scenarios_apigateway,
        "events": scenarios_events,
        "stepfunctions": scenarios_stepfunctions,
    }


def recorded_files() -> list[Path]:
    return sorted(RECORDED.glob("*/*.json"))


def scenario_ids() -> list[str]:
    ids = []
    for path in recorded_files():
        document = json.loads(path.read_text())
        ids += [f"{path.parent.name}/{path.stem}:{key}" for key in document["recorded"]]
    return ids


def group_of(scenario_id: str) -> str:
    return scenario_id.split(":", 1)[0]


def function_for(group: str) -> Scenario:
    service, name = group.split("/")
    module = _modules()[service]
    function: Scenario = getattr(module, name)
    return function


def run_group(ctx: Context, group: str) -> dict[str, list[str]]:
    """Run one recorded test's steps; the differences per recorded key."""
    document = json.loads((RECORDED / f"{group}.json").read_text())
    try:
        actual = function_for(group)(ctx)
    except Exception as error:  # a scenario that cannot run is a difference, not a crash
        failure = f"scenario failed: {type(error).__name__}: {error}"
        return {key: [failure] for key in document["recorded"]}
    bindings = compare.Bindings()
    results = {}
    for key, recorded in document["recorded"].items():
        if key not in actual:
            results[key] = ["scenario did not produce this response"]
        else:
            results[key] = compare.compare(recorded, actual[key], "$", bindings)
    return results


@functools.cache
def known_differences() -> dict[str, str]:
    """Scenario id -> why it differs, from the fidelity matrix's ``parity`` rows."""
    rows = fidelity.load().get("parity", {})
    return {scenario: row[""].how for scenario, row in rows.items()}
