"""A state machine definition as a mermaid flowchart, optionally with an execution's path.

``diagram(definition)`` draws every state (shape by type), Next/Default/Choice edges,
Catch edges (dashed) and the nested machines of Parallel branches and Map item processors.
``diagram(definition, history)`` also colours the states the execution entered (green),
states that raised an error it recovered from (amber) and the state it failed in (red),
and thickens the edges it took. In JupyterLab and on the study site the result renders as a
diagram (a ```mermaid block); ``str()`` gives a plain-text outline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lablib.stepfunctions.history import History

SHAPES = {
    "Task": ('["', '"]'),
    "Choice": ('{"', '"}'),
    "Wait": ('[/"', '"/]'),
    "Pass": ('("', '")'),
    "Succeed": ('(["', '"])'),
    "Fail": ('(["', '"])'),
    "Parallel": ('[["', '"]]'),
    "Map": ('[["', '"]]'),
}
OPERATORS = {
    "Equals": "==",
    "GreaterThan": ">",
    "GreaterThanEquals": ">=",
    "LessThan": "<",
    "LessThanEquals": "<=",
    "Matches": "matches",
}
STYLES = (
    "classDef visited fill:#d1f2d9,stroke:#1e7e34,stroke-width:2px",
    "classDef recovered fill:#fff3cd,stroke:#b8860b,stroke-width:2px",
    "classDef failed fill:#f8d7da,stroke:#c82333,stroke-width:3px",
    "classDef terminal fill:#eeeeee,stroke:#555555",
)


def _label(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", " ")


def _rule(rule: dict[str, Any]) -> str:
    if "Condition" in rule:
        return str(rule["Condition"])
    for combo in ("And", "Or"):
        if combo in rule:
            return f" {combo.lower()} ".join(f"({_rule(part)})" for part in rule[combo])
    if "Not" in rule:
        return f"not ({_rule(rule['Not'])})"
    variable = str(rule.get("Variable", "?"))
    for key, value in rule.items():
        if key in ("Variable", "Next", "Comment", "Assign", "Output"):
            continue
        for suffix, symbol in OPERATORS.items():
            if key.endswith(suffix) or key.endswith(suffix + "Path"):
                shown = value if key.endswith("Path") else json.dumps(value)
                return f"{variable} {symbol} {shown}"
        return f"{variable} {key} {json.dumps(value)}"
    return variable


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Diagram:
    """Mermaid source plus what it needs for highlighting; renders itself in notebooks."""

    source: str
    outline: str
    node_ids: dict[str, list[str]] = field(default_factory=dict)

    def markdown(self) -> str:
        return f"```mermaid\n{self.source}\n```"

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __str__(self) -> str:
        return self.outline


class _Builder:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.outline: list[str] = []
        self.edges: list[tuple[str, str]] = []  # (from state name, to state name) per index
        self.ids: dict[str, list[str]] = {}
        self.kinds: dict[str, str] = {}
        self.count = 0

    def new_id(self) -> str:
        self.count += 1
        return f"s{self.count}"

    def edge(
        self, a: str, b: str, names: tuple[str, str], label: str = "", dashed: bool = False
    ) -> None:
        arrow = "-.->" if dashed else "-->"
        text = f"|{_label(_short(label))}|" if label else ""
        self.lines.append(f"    {a} {arrow}{text} {b}")
        self.edges.append(names)

    def scope(
        self, machine: dict[str, Any], entry: str, exit_id: str, depth: int, parent: str = "<start>"
    ) -> None:
        states: dict[str, Any] = machine.get("States") or {}
        ids = {name: self.new_id() for name in states}
        pad = "  " * depth
        for name, state in states.items():
            self.ids.setdefault(name, []).append(ids[name])
            kind = str(state.get("Type", "?"))
            self.kinds[name] = kind
            left, right = SHAPES.get(kind, ('["', '"]'))
            extra = ""
            if state.get("Retry"):
                attempts = sum(int(r.get("MaxAttempts", 3)) for r in state["Retry"])
                extra = f"<br/><small>Retry ≤{attempts}</small>"
            self.lines.append(
                f"    {ids[name]}{left}{_label(name)}<br/><small>{kind}</small>{extra}{right}"
            )
            self.outline.append(f"{pad}- {name} ({kind})")
        start = machine.get("StartAt")
        if start in ids:
            self.edge(entry, ids[start], (parent, str(start)))
        for name, state in states.items():
            me = ids[name]
            kind = self.kinds[name]
            out = me
            if kind in ("Parallel", "Map"):
                out = self._nested(name, state, me, depth)
            if "Next" in state and state["Next"] in ids:
                self.edge(out, ids[state["Next"]], (name, state["Next"]))
                self.outline.append(f"{pad}  {name} -> {state['Next']}")
            if state.get("End") is True or kind in ("Succeed", "Fail"):
                self.edge(out, exit_id, (name, "<end>"))
            for rule in state.get("Choices") or []:
                if rule.get("Next") in ids:
                    label = _rule(rule)
                    self.edge(me, ids[rule["Next"]], (name, rule["Next"]), label)
                    self.outline.append(f"{pad}  {name} -[{label}]-> {rule['Next']}")
            if state.get("Default") in ids:
                self.edge(me, ids[state["Default"]], (name, state["Default"]), "Default")
                self.outline.append(f"{pad}  {name} -[Default]-> {state['Default']}")
            for catch in state.get("Catch") or []:
                if catch.get("Next") in ids:
                    label = "Catch " + ", ".join(catch.get("ErrorEquals") or [])
                    self.edge(me, ids[catch["Next"]], (name, catch["Next"]), label, dashed=True)
                    self.outline.append(f"{pad}  {name} -[{label}]-> {catch['Next']}")

    def _nested(self, name: str, state: dict[str, Any], me: str, depth: int) -> str:
        """Draw the branches (or item processor) in subgraphs; returns the join node."""
        if state["Type"] == "Parallel":
            machines = list(state.get("Branches") or [])
            titles = [f"Branch {i + 1}" for i in range(len(machines))]
        else:
            inner = state.get("ItemProcessor") or state.get("Iterator") or {}
            machines = [inner]
            limit = state.get("MaxConcurrency")
            titles = [f"each item (MaxConcurrency {limit or 'unlimited'})"]
        join = self.new_id()
        self.lines.append(f"    {join}(( ))")
        self.ids.setdefault(name, []).append(join)
        for machine, title in zip(machines, titles, strict=True):
            box = self.new_id()
            self.lines.append(f'    subgraph {box}["{_label(name)}: {_label(title)}"]')
            self.lines.append("    direction TB")
            self.outline.append(f"{'  ' * depth}  [{name}: {title}]")
            self.scope(machine, me, join, depth + 2, parent=name)
            self.lines.append("    end")
        return join


def diagram(
    definition: str | dict[str, Any], history: History | None = None, direction: str = "TD"
) -> Diagram:
    """A mermaid flowchart of ``definition``; with ``history``, the path taken is coloured."""
    machine = json.loads(definition) if isinstance(definition, str) else definition
    builder = _Builder()
    builder.lines.append(f"flowchart {direction}")
    builder.lines.append('    start(("Start"))')
    builder.lines.append('    finish(("End"))')
    builder.scope(machine, "start", "finish", 0)
    builder.lines.append("    class start,finish terminal")
    builder.lines.extend(f"    {style}" for style in STYLES)
    if history is not None:
        _highlight(builder, history)
    return Diagram("\n".join(builder.lines), "\n".join(builder.outline), builder.ids)


def _highlight(builder: _Builder, history: History) -> None:
    failed = history.failed_state

    def ids_of(names: set[str]) -> list[str]:
        return [node for name in sorted(names) for node in builder.ids.get(name, [])]

    visited = set(history.path) - history.error_states - {failed}
    recovered = history.error_states - {failed}
    for css, names in (("visited", visited), ("recovered", recovered), ("failed", {failed})):
        nodes = ids_of({n for n in names if n})
        if nodes:
            builder.lines.append(f"    class {','.join(nodes)} {css}")
    path = history.path
    first = {name: path.index(name) for name in set(path)}
    last = {name: len(path) - 1 - path[::-1].index(name) for name in set(path)}

    def taken(a: str, b: str) -> bool:
        if b == "<end>":
            return a in first and (history.status == "SUCCEEDED" or a not in {failed})
        if a == "<start>":
            return b in first
        return a in first and b in last and first[a] < last[b]

    for index, (a, b) in enumerate(builder.edges):
        if taken(a, b):
            builder.lines.append(f"    linkStyle {index} stroke:#1e7e34,stroke-width:3px")
