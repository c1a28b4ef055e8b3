"""Check an Amazon States Language definition before AWS (or the local AWS) sees it.

``problems(definition)`` lists every problem found, each with AWS's error code, a message
and the JSON pointer of the field (``/States/Charge/Next``); ``validate(definition)``
raises ``DefinitionError`` with all of them. The local AWS runs the same checks in
CreateStateMachine/UpdateStateMachine and answers ``InvalidDefinition``.

Checked: JSON syntax, StartAt and every transition target (Next, Default, Choices, Catch)
exist in the same scope, every state ends (Next, End, or a terminal type), unreachable
states, known state types and fields (JSONPath and JSONata), Retry/Catch shape, and the
nested machines of Parallel branches and Map item processors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_COMMON = {"Type", "Comment", "QueryLanguage"}
_IO = {"InputPath", "OutputPath", "Assign", "Output"}
_FLOW = {"Next", "End"}
_ERRORS = {"Retry", "Catch"}
FIELDS: dict[str, set[str]] = {
    "Pass": _COMMON | _IO | _FLOW | {"Parameters", "Result", "ResultPath"},
    "Task": _COMMON
    | _IO
    | _FLOW
    | _ERRORS
    | {
        "Resource",
        "Parameters",
        "Arguments",
        "ResultSelector",
        "ResultPath",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
        "Credentials",
    },
    "Choice": _COMMON | _IO | {"Choices", "Default"},
    "Wait": _COMMON | _IO | _FLOW | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
    "Succeed": _COMMON | {"InputPath", "OutputPath", "Output"},
    "Fail": _COMMON | {"Error", "ErrorPath", "Cause", "CausePath"},
    "Parallel": _COMMON
    | _IO
    | _FLOW
    | _ERRORS
    | {"Branches", "Parameters", "Arguments", "ResultSelector", "ResultPath"},
    "Map": _COMMON
    | _IO
    | _FLOW
    | _ERRORS
    | {
        "Iterator",
        "ItemProcessor",
        "ItemsPath",
        "Items",
        "ItemSelector",
        "Parameters",
        "Arguments",
        "ItemReader",
        "ItemBatcher",
        "ResultWriter",
        "MaxConcurrency",
        "MaxConcurrencyPath",
        "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath",
        "ToleratedFailureCount",
        "ToleratedFailureCountPath",
        "Label",
        "ResultSelector",
        "ResultPath",
    },
}
TOP_LEVEL = {"Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"}
SCOPE = {"Comment", "StartAt", "States", "ProcessorConfig", "QueryLanguage"}
TERMINAL = {"Succeed", "Fail"}


@dataclass(frozen=True)
class Problem:
    code: str  # AWS's code: SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET, ...
    message: str
    where: str  # JSON pointer into the definition, e.g. /States/Charge/Next

    def __str__(self) -> str:
        return f"{self.code}: {self.message} at {self.where or '/'}"


class DefinitionError(ValueError):
    """A state machine definition that AWS would reject; ``problems`` lists why."""

    def __init__(self, found: list[Problem]) -> None:
        self.problems = found
        lines = "\n".join(f"  - {problem}" for problem in found)
        super().__init__(f"the state machine definition has {len(found)} problem(s):\n{lines}")


def problems(definition: str | dict[str, Any]) -> list[Problem]:
    """Every problem in ``definition`` (a JSON string or an already parsed dict)."""
    if isinstance(definition, str):
        try:
            parsed = json.loads(definition)
        except ValueError as exc:
            return [Problem("INVALID_JSON_DESCRIPTION", f"the definition is not JSON: {exc}", "")]
    else:
        parsed = definition
    if not isinstance(parsed, dict):
        return [Problem("SCHEMA_VALIDATION_FAILED", "the definition must be a JSON object", "")]
    found: list[Problem] = []
    for key in sorted(set(parsed) - TOP_LEVEL):
        found.append(
            Problem("SCHEMA_VALIDATION_FAILED", f"The field '{key}' is not supported", f"/{key}")
        )
    _check_machine(parsed, "", found)
    return found


def validate(definition: str | dict[str, Any]) -> dict[str, Any]:
    """The parsed definition, or ``DefinitionError`` listing every problem."""
    found = problems(definition)
    if found:
        raise DefinitionError(found)
    return json.loads(definition) if isinstance(definition, str) else definition


def describe_problems(definition: str) -> str | None:
    """One line for AWS's InvalidDefinition message, or None when the definition is fine."""
    found = problems(definition)
    return "; ".join(str(problem) for problem in found) if found else None


def _check_machine(machine: dict[str, Any], at: str, found: list[Problem]) -> None:
    scope_start = len(found)
    states = machine.get("States")
    start = machine.get("StartAt")
    missing = [key for key in ("StartAt", "States") if key not in machine]
    if missing:  # AWS's own words for absent fields
        found.append(
            Problem(
                "SCHEMA_VALIDATION_FAILED",
                f"These fields are required: [{', '.join(missing)}]",
                at or "/",
            )
        )
    if "States" in machine and (not isinstance(states, dict) or not states):
        found.append(
            Problem(
                "SCHEMA_VALIDATION_FAILED", "'States' must be a non-empty object", f"{at}/States"
            )
        )
    if not isinstance(states, dict):
        states = {}
    if "StartAt" in machine and not isinstance(start, str):
        found.append(
            Problem(
                "SCHEMA_VALIDATION_FAILED",
                "'StartAt' is required (the first state's name)",
                f"{at}/StartAt",
            )
        )
    elif isinstance(start, str) and states and start not in states:
        found.append(
            Problem(
                "MISSING_TRANSITION_TARGET",
                f"Missing 'StartAt' target: {start} (states here: {', '.join(states)})",
                f"{at}/StartAt",
            )
        )
    edges: dict[str, list[str]] = {}
    for name, state in states.items():
        where = f"{at}/States/{name}"
        if len(name) > 80:
            found.append(
                Problem("SCHEMA_VALIDATION_FAILED", "State names are at most 80 characters", where)
            )
        edges[name] = _check_state(name, state, where, set(states), found)
    broken_links = any(p.code == "MISSING_TRANSITION_TARGET" for p in found[scope_start:])
    if isinstance(start, str) and start in states and not broken_links:
        # (with a broken link, every state after it would be reported too: fix links first)
        reached = _reachable(start, edges)
        for name in states:
            if name not in reached:
                found.append(
                    Problem(
                        "MISSING_TRANSITION_TARGET",
                        f'State "{name}" is not reachable',
                        f"{at}/States/{name}",
                    )
                )


def _reachable(start: str, edges: dict[str, list[str]]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for target in edges.get(todo.pop(), []):
            if target in edges and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _check_state(
    name: str, state: Any, where: str, names: set[str], found: list[Problem]
) -> list[str]:
    if not isinstance(state, dict):
        found.append(
            Problem("SCHEMA_VALIDATION_FAILED", f"State '{name}' must be an object", where)
        )
        return []
    kind = state.get("Type")
    if kind not in FIELDS:
        allowed = ", ".join(FIELDS)
        found.append(
            Problem(
                "SCHEMA_VALIDATION_FAILED",
                f"The value '{kind}' is not a state type (use one of: {allowed})",
                f"{where}/Type",
            )
        )
        following = state.get("Next")
        return [following] if isinstance(following, str) else []
    for key in sorted(set(state) - FIELDS[kind]):
        if kind in TERMINAL and key in _FLOW:
            message = f"{kind} states are terminal: remove '{key}'"
        else:
            message = f"The field '{key}' is not supported for {kind} states"
        found.append(Problem("SCHEMA_VALIDATION_FAILED", message, f"{where}/{key}"))
    targets: list[str] = []

    def target(value: Any, field_at: str, label: str) -> None:
        if not isinstance(value, str) or value not in names:
            found.append(
                Problem("MISSING_TRANSITION_TARGET", f"Missing '{label}' target: {value}", field_at)
            )
        else:
            targets.append(value)

    if kind == "Choice":
        _check_choice(state, where, found, target)
    elif kind in TERMINAL:
        pass  # Next/End on Succeed/Fail are reported as unsupported fields above
    else:
        has_next, ends = "Next" in state, state.get("End") is True
        if has_next and ends:
            found.append(
                Problem(
                    "SCHEMA_VALIDATION_FAILED", "Use either 'Next' or 'End': true, not both", where
                )
            )
        elif not has_next and not ends:
            found.append(
                Problem(
                    "SCHEMA_VALIDATION_FAILED", f"State '{name}' needs 'Next' or 'End': true", where
                )
            )
        if has_next:
            target(state["Next"], f"{where}/Next", "Next")
    if kind == "Task" and not isinstance(state.get("Resource"), str):
        found.append(
            Problem(
                "SCHEMA_VALIDATION_FAILED", "A Task needs 'Resource' (an ARN)", f"{where}/Resource"
            )
        )
    if kind == "Wait":
        given = [k for k in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if k in state]
        if len(given) != 1:
            found.append(
                Problem(
                    "SCHEMA_VALIDATION_FAILED",
                    "A Wait needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath",
                    where,
                )
            )
    _check_retry_catch(state, where, found, target)
    if kind == "Parallel":
        branches = state.get("Branches")
        if not isinstance(branches, list) or not branches:
            found.append(
                Problem(
                    "SCHEMA_VALIDATION_FAILED",
                    "A Parallel needs a non-empty 'Branches' list",
                    f"{where}/Branches",
                )
            )
        else:
            for index, branch in enumerate(branches):
                _check_scope(branch, f"{where}/Branches/{index}", found)
    if kind == "Map":
        key = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
        if key not in state:
            found.append(
                Problem(
                    "SCHEMA_VALIDATION_FAILED",
                    "A Map needs 'ItemProcessor' (or the older 'Iterator')",
                    where,
                )
            )
        else:
            _check_scope(state[key], f"{where}/{key}", found)
        concurrency = state.get("MaxConcurrency")
        if concurrency is not None and (not isinstance(concurrency, int) or concurrency < 0):
            found.append(
                Problem(
                    "SCHEMA_VALIDATION_FAILED",
                    "MaxConcurrency must be an integer >= 0 (0 = no limit)",
                    f"{where}/MaxConcurrency",
                )
            )
    return targets


def _check_scope(machine: Any, where: str, found: list[Problem]) -> None:
    if not isinstance(machine, dict):
        found.append(
            Problem("SCHEMA_VALIDATION_FAILED", "Expected a state machine (StartAt, States)", where)
        )
        return
    for key in sorted(set(machine) - SCOPE):
        found.append(
            Problem(
                "SCHEMA_VALIDATION_FAILED", f"The field '{key}' is not supported", f"{where}/{key}"
            )
        )
    _check_machine(machine, where, found)


def _check_choice(state: dict[str, Any], where: str, found: list[Problem], target: Any) -> None:
    choices = state.get("Choices")
    if not isinstance(choices, list) or not choices:
        found.append(
            Problem(
                "SCHEMA_VALIDATION_FAILED",
                "A Choice needs a non-empty 'Choices' list",
                f"{where}/Choices",
            )
        )
        choices = []
    for index, rule in enumerate(choices):
        rule_at = f"{where}/Choices/{index}"
        if not isinstance(rule, dict):
            found.append(
                Problem("SCHEMA_VALIDATION_FAILED", "A choice rule must be an object", rule_at)
            )
            continue
        if "Next" not in rule:
            found.append(Problem("SCHEMA_VALIDATION_FAILED", "A choice rule needs 'Next'", rule_at))
        else:
            target(rule["Next"], f"{rule_at}/Next", "Next")
        if not ({"Variable", "And", "Or", "Not", "Condition"} & set(rule)):
            found.append(
                Problem(
                    "SCHEMA_VALIDATION_FAILED",
                    "A choice rule needs 'Variable' with a comparison, And/Or/Not, "
                    "or (JSONata) 'Condition'",
                    rule_at,
                )
            )
    if "Default" in state:
        target(state["Default"], f"{where}/Default", "Default")
    for key in ("Next", "End"):
        if key in state:
            found.append(
                Problem(
                    "SCHEMA_VALIDATION_FAILED",
                    f"Choice states use Choices/Default, not '{key}'",
                    f"{where}/{key}",
                )
            )


def _check_retry_catch(
    state: dict[str, Any], where: str, found: list[Problem], target: Any
) -> None:
    for field in ("Retry", "Catch"):
        entries = state.get(field)
        if entries is None:
            continue
        if not isinstance(entries, list):
            found.append(
                Problem("SCHEMA_VALIDATION_FAILED", f"'{field}' must be a list", f"{where}/{field}")
            )
            continue
        for index, entry in enumerate(entries):
            at = f"{where}/{field}/{index}"
            errors = entry.get("ErrorEquals") if isinstance(entry, dict) else None
            if not isinstance(errors, list) or not errors:
                found.append(
                    Problem(
                        "SCHEMA_VALIDATION_FAILED",
                        "'ErrorEquals' must be a non-empty list of error names",
                        f"{at}/ErrorEquals",
                    )
                )
                continue
            if "States.ALL" in errors and (len(errors) > 1 or index != len(entries) - 1):
                found.append(
                    Problem(
                        "SCHEMA_VALIDATION_FAILED",
                        f"States.ALL must appear alone and in the last {field} entry",
                        f"{at}/ErrorEquals",
                    )
                )
            if field == "Catch":
                if "Next" not in entry:
                    found.append(
                        Problem("SCHEMA_VALIDATION_FAILED", "A Catch entry needs 'Next'", at)
                    )
                else:
                    target(entry["Next"], f"{at}/Next", "Next")
            elif (
                not isinstance(entry.get("BackoffRate", 2.0), (int, float))
                or entry.get("BackoffRate", 2.0) < 1
            ):
                found.append(
                    Problem(
                        "SCHEMA_VALIDATION_FAILED",
                        "BackoffRate must be >= 1.0",
                        f"{at}/BackoffRate",
                    )
                )
