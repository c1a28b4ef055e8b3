"""A sandbox around airspeed, the Velocity engine that renders mapping templates.

airspeed resolves ``$a.b`` with ``getattr``, so out of the box a template can walk from any
value to Python internals (``$util.escapeJavaScript.__globals__...``). Here a private copy
of airspeed's node classes (loaded from its source, so other users of airspeed in the
process are unaffected) is specialised so that:

- a name is resolved only as a key of a map (data) or as an allow-listed member: the Java
  String/List/Map methods templates use, and the documented members of ``$input``,
  ``$util``, ``$context`` and ``$stageVariables``; never with ``getattr`` on anything else,
  and a member whose name starts with ``_`` is an error (a map key such as ``_id`` is data,
  but ``__anything`` is refused everywhere);
- ``#evaluate``, ``#include`` and ``#parse`` are refused when the template is compiled;
- ``#foreach`` stops after 1,000 iterations (API Gateway's quota), macros nest at most 20
  deep (Velocity's ``velocimacro.max.depth``), operators work on numbers and strings only;
- each render has a deadline, every string it builds is at most ``MAX_OUTPUT`` characters
  and all the text and list items it builds together at most ``WORK_BUDGET``; regular
  expressions run on RE2 (linear time, so no catastrophic backtracking).
"""

from __future__ import annotations

import importlib.util
import itertools
import operator
from collections.abc import Callable
from typing import Any

from lablib.apigateway.vtl_limits import (
    MAX_FOREACH,
    MAX_MACRO_DEPTH,
    MAX_OUTPUT,
    MAX_TEMPLATE,
    Render,
    SandboxViolation,
    TemplateProblem,
    charge,
    tick,
)
from lablib.apigateway.vtl_members import (
    java,
    number,
    overflow_checked,
    resolve,
    safe_index,
    sized,
    wrap_list,
)

__all__ = ["TemplateProblem", "SandboxViolation", "compile_source", "merge", "ops"]


def _load_private_airspeed() -> Any:
    spec = importlib.util.find_spec("airspeed.operators")
    if spec is None or spec.loader is None:  # pragma: no cover - airspeed is a dependency
        raise ImportError("airspeed-ext is not installed")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ops: Any = _load_private_airspeed()


# -- the node classes ----------------------------------------------------------------------------
class NameOrCall(ops.NameOrCall):  # type: ignore[misc]
    def calculate(self, current_object: Any, loader: Any, top_namespace: Any) -> Any:
        tick()
        calling = self.parameters is not None
        if isinstance(current_object, ops.LocalNamespace):  # $name: a variable
            if self.name.startswith("__"):
                resolve(current_object, self.name, calling)  # raises the clear error
            try:
                result = current_object[self.name]  # looks in enclosing scopes too
            except KeyError:
                result = None
        else:
            result = resolve(current_object, self.name, calling)
        if result is None:
            return None
        if isinstance(result, ops._FunctionDefinition):  # a #define'd block
            params = self.parameters.calculate(top_namespace, loader) if calling else []
            stream = ops.StoppableStream()
            result.execute_function(stream, top_namespace, params, loader)
            return stream.getvalue()
        if calling:
            return result(*self.parameters.calculate(top_namespace, loader))
        if self.index is not None:
            return safe_index(result, self.index.calculate(top_namespace, loader))
        return result


class SubExpression(ops.SubExpression):  # type: ignore[misc]
    def calculate(self, current_object: Any, loader: Any, global_namespace: Any) -> Any:
        if not isinstance(self.expression, ops.ArrayIndex):
            return self.expression.calculate(current_object, loader, global_namespace)
        result = safe_index(current_object, self.expression.calculate(current_object, loader))
        if self.subexpression:
            result = self.subexpression.calculate(result, loader, global_namespace)
        return result


class Assignment(ops.Assignment):  # type: ignore[misc]
    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        value = self.value.calculate(namespace, loader)
        if not self.terms:
            namespace.set_inherited(self.root_term, value)
            return
        target = namespace[self.root_term]
        for term in self.terms[:-1]:
            target = safe_index(target, term.calculate(namespace, loader))
        key = self.terms[-1].calculate(namespace, loader)
        if isinstance(target, dict):
            charge(1)
            target[key] = value
        elif (
            isinstance(target, list) and isinstance(key, int) and -len(target) <= key < len(target)
        ):
            target[key] = value
        else:
            raise SandboxViolation(f"cannot set {java(key)} on {type(target).__name__}")


class ArrayLiteral(ops.ArrayLiteral):  # type: ignore[misc]
    """``[1, 2]`` is a list that renders like Java's."""

    def parse(self) -> None:
        super().parse()
        values: Callable[[Any, Any], Any] = self.values.calculate
        self.calculate = lambda namespace, loader: wrap_list(values(namespace, loader))


class DictionaryLiteral(ops.DictionaryLiteral):  # type: ignore[misc]
    """``{"a": 1}`` is a map that renders like Java's."""

    def calculate(self, namespace: Any, loader: Any) -> Any:
        from lablib.apigateway.vtl import VtlMap

        return VtlMap(super().calculate(namespace, loader))


class Range(ops.Range):  # type: ignore[misc]
    def calculate(self, namespace: Any, loader: Any) -> Any:
        low = self.value1.calculate(namespace, loader)
        high = self.value2.calculate(namespace, loader)
        if not (number(low) and number(high)):
            raise SandboxViolation("a range [a..b] needs two integers")
        step = -1 if high < low else 1
        charge(abs(int(high) - int(low)) + 1)
        return wrap_list(range(int(low), int(high) + step, step))


class ForeachDirective(ops.ForeachDirective):  # type: ignore[misc]
    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        iterable = self.value.calculate(namespace, loader)
        if iterable is None:
            return
        if isinstance(iterable, dict):
            iterable = list(iterable.keys())
        if not isinstance(iterable, list | tuple | str):
            raise SandboxViolation(f"value for ${self.loop_var_name} is not a list in #foreach")
        length = min(len(iterable), MAX_FOREACH)  # API Gateway stops a #foreach at 1,000
        for counter, item in enumerate(itertools.islice(iterable, MAX_FOREACH), 1):
            tick()
            local = ops.LocalNamespace(namespace)
            local["velocityCount"] = counter
            local["velocityHasNext"] = counter < length
            local["foreach"] = {
                "count": counter,
                "index": counter - 1,
                "hasNext": counter < length,
                "first": counter == 1,
                "last": counter == length,
            }
            local[self.loop_var_name] = item
            self.block.evaluate(stream, local, loader)


def _execute_function(
    self: Any, stream: Any, namespace: Any, arg_values: list[Any], loader: Any
) -> None:
    limits = tick()
    if limits.depth >= MAX_MACRO_DEPTH:
        raise SandboxViolation(
            f"Max calling depth of {MAX_MACRO_DEPTH} was exceeded in macro '{self.function_name}'"
        )
    limits.depth += 1
    try:
        ops._FunctionDefinition.execute_function(self, stream, namespace, arg_values, loader)
    finally:
        limits.depth -= 1


class MacroDefinition(ops.MacroDefinition):  # type: ignore[misc]
    execute_function = _execute_function


class DefineDefinition(ops.DefineDefinition):  # type: ignore[misc]
    execute_function = _execute_function


class _Refused:
    directive = ""

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        raise SandboxViolation(refusal(self.directive))


def refusal(directive: str) -> str:
    return (
        f"#{directive} is not available in API Gateway mapping templates "
        "(a template cannot evaluate, include or parse other templates)"
    )


class EvaluateDirective(_Refused, ops.EvaluateDirective):  # type: ignore[misc]
    directive = "evaluate"


class IncludeDirective(_Refused, ops.IncludeDirective):  # type: ignore[misc]
    directive = "include"


class ParseDirective(_Refused, ops.ParseDirective):  # type: ignore[misc]
    directive = "parse"


class StoppableStream(ops.StoppableStream):  # type: ignore[misc]
    """Every stream (the output, interpolated strings, #define bodies) is bounded."""

    def write(self, s: str) -> int:
        if self.stop:
            return 0
        if self.tell() + len(s) > MAX_OUTPUT:
            raise SandboxViolation(f"the rendered text grew beyond {MAX_OUTPUT:,} characters")
        charge(len(s))
        return int(ops.six.StringIO.write(self, s))


def _add(a: Any, b: Any) -> Any:
    if number(a) and number(b):
        return overflow_checked(a + b)
    if isinstance(a, str) or isinstance(b, str):
        return sized(java(a) + java(b))
    raise SandboxViolation("'+' works on numbers and strings only")


def _arithmetic(op: Callable[[Any, Any], Any], symbol: str) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        if not (number(a) and number(b)):
            raise SandboxViolation(f"'{symbol}' works on numbers only")
        return overflow_checked(op(a, b))

    return apply


class BinaryOperator(ops.BinaryOperator):  # type: ignore[misc]
    OPERATORS = dict(
        ops.BinaryOperator.OPERATORS,
        **{
            "+": _add,
            "-": _arithmetic(operator.sub, "-"),
            "*": _arithmetic(operator.mul, "*"),
            "/": _arithmetic(operator.floordiv, "/"),
            "%": _arithmetic(operator.mod, "%"),
        },
    )


for _cls in (
    NameOrCall,
    SubExpression,
    Assignment,
    ArrayLiteral,
    DictionaryLiteral,
    Range,
    ForeachDirective,
    MacroDefinition,
    DefineDefinition,
    EvaluateDirective,
    IncludeDirective,
    ParseDirective,
    StoppableStream,
    BinaryOperator,
):
    setattr(ops, _cls.__name__, _cls)

_REFUSED = {EvaluateDirective: "evaluate", IncludeDirective: "include", ParseDirective: "parse"}


def refused_directive(node: Any, seen: int = 0) -> str | None:
    """The first #evaluate/#include/#parse in a compiled template, if any."""
    stack = [node]
    while stack:
        current = stack.pop()
        for cls, name in _REFUSED.items():
            if isinstance(current, cls):
                return name
        for value in vars(current).values():
            if isinstance(value, ops._Element):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, ops._Element))
            elif isinstance(value, dict):
                stack.extend(v for v in value.values() if isinstance(v, ops._Element))
                stack.extend(k for k in value if isinstance(k, ops._Element))
    return None


def compile_source(source: str) -> Any:
    """Parse a template with the sandboxed node classes (TemplateProblem if refused)."""
    if len(source) > MAX_TEMPLATE:
        raise TemplateProblem(
            f"the mapping template is {len(source):,} characters; API Gateway allows "
            f"{MAX_TEMPLATE:,}"
        )
    template = ops.Template(source)
    try:
        template.ensure_compiled()
    except ops.TemplateSyntaxError as exc:
        raise TemplateProblem(f"Velocity syntax error: {exc}") from None
    except RecursionError:
        raise TemplateProblem("Velocity syntax error: the template nests too deeply") from None
    directive = refused_directive(template.root_element)
    if directive is not None:
        raise SandboxViolation(refusal(directive))
    return template


def merge(template: Any, namespace: dict[str, Any]) -> str:
    """Render under the sandbox's limits; errors become TemplateProblem with the reason."""
    with Render():
        try:
            result: str = template.merge(namespace)
        except ops.TemplateExecutionError as exc:
            cause = exc.__cause__
            if isinstance(cause, TemplateProblem):
                raise type(cause)(f"{cause} (in: {exc.element.my_text()[:80]})") from None
            raise TemplateProblem(f"Velocity rendering error: {exc}") from None
        except RecursionError:
            raise TemplateProblem("Velocity rendering error: nesting too deep") from None
    return result
