"""Exercise checks: a registry of check functions by id and the result they produce.

A check function takes a :class:`Feedback` (plus keyword inputs from the notebook), talks to
the local AWS through boto3 and calls ``fb.expect(...)`` for each thing it verifies. The first
failed expectation stops the check; any exception (an API error, an unfilled ``...``) becomes
a failure with its message, so a check never crashes the notebook.
"""

from __future__ import annotations

import html
import importlib
import traceback
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

from botocore.exceptions import ClientError

from .record import record

CheckFn = Callable[..., None]


@dataclass
class Exercise:
    id: str
    title: str
    fn: CheckFn


@dataclass
class Step:
    """One verified point: what was expected, what happened, and a hint when it failed."""

    what: str
    ok: bool
    expected: str = ""
    got: str = ""
    hint: str = ""


@dataclass
class CheckResult:
    """The outcome of ``check(id)``: ``passed`` and the steps with their feedback."""

    exercise: str
    title: str
    passed: bool = False
    steps: list[Step] = field(default_factory=list)

    @property
    def failure(self) -> Step | None:
        return next((step for step in self.steps if not step.ok), None)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        head = "PASSED" if self.passed else "FAILED"
        lines = [f"{head} {self.exercise}: {self.title}"]
        for step in self.steps:
            lines.append(f"  [{'ok' if step.ok else 'X'}] {step.what}")
            if not step.ok:
                if step.expected:
                    lines.append(f"      expected: {step.expected}")
                if step.got:
                    lines.append(f"      got:      {step.got}")
                if step.hint:
                    lines.append(f"      hint:     {step.hint}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = "#2a7d2a" if self.passed else "#c0392b"
        icon = "&#10004;" if self.passed else "&#10008;"
        items = []
        for step in self.steps:
            mark = "&#10004;" if step.ok else "&#10008;"
            detail = ""
            if not step.ok:
                rows = [("expected", step.expected), ("got", step.got), ("hint", step.hint)]
                detail = "".join(
                    f"<div><b>{name}:</b> {html.escape(value)}</div>"
                    for name, value in rows
                    if value
                )
            items.append(f"<li>{mark} {html.escape(step.what)}{detail}</li>")
        verdict = "PASSED" if self.passed else "FAILED"
        return (
            f'<div style="border-left:4px solid {colour};padding-left:8px">'
            f'<b style="color:{colour}">{icon} {verdict}</b> <code>{self.exercise}</code>: '
            f"{html.escape(self.title)}<ul>{''.join(items)}</ul></div>"
        )


class _Stop(Exception):
    pass


_NO_VALUE: Any = object()


class Feedback:
    """Collects the steps of one check; ``expect`` stops the check at the first failure."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result

    def expect(
        self, ok: bool, what: str, *, expected: Any = "", got: Any = "", hint: str = ""
    ) -> None:
        """Record ``what`` as verified (``ok``) or failed with expected/got/hint, and stop."""
        step = Step(what, bool(ok), _text(expected), _text(got), hint)
        self.result.steps.append(step)
        if not ok:
            raise _Stop

    def fail(self, what: str, *, expected: Any = "", got: Any = "", hint: str = "") -> NoReturn:
        """Record ``what`` as failed with expected/got/hint, and stop the check."""
        self.expect(False, what, expected=expected, got=got, hint=hint)
        raise AssertionError("unreachable")  # expect(False, ...) has stopped the check

    @contextmanager
    def found(
        self,
        errors: type[BaseException] | tuple[type[BaseException], ...],
        what: str,
        *,
        expected: Any = "",
        hint: str = "",
        value: Any = _NO_VALUE,
    ) -> Iterator[None]:
        """Fail the check with ``what`` when the block raises one of ``errors`` (something the
        exercise needs is missing). ``got`` is the AWS error code (the message of another
        error), after the learner's ``value`` when one is given."""
        try:
            yield
        except errors as exc:
            got = error_code(exc) if value is _NO_VALUE else f"{value!r}: {error_code(exc)}"
            self.fail(what, expected=expected, got=got, hint=hint)

    def compiles(self, code: str, hint: str = "fix the syntax error") -> None:
        """Fail unless the learner's handler ``code`` is valid Python."""
        try:
            compile(code, "app.py", "exec")
        except SyntaxError as exc:
            self.fail(
                "the handler compiles",
                expected="valid Python",
                got=f"line {exc.lineno}: {exc.msg}",
                hint=hint,
            )

    def filled(self, value: Any, name: str, kind: type | tuple[type, ...] | None = None) -> Any:
        """Fail unless the learner replaced the ``...`` placeholder of ``name`` (with a value
        of ``kind``, when given: a number typed as text gets its own diagnosis)."""
        self.expect(
            value is not ... and value is not None,
            f"{name} is filled in",
            expected=f"a value for {name}",
            got="... (the placeholder is still there)" if value is ... else repr(value),
            hint=f"replace the ... placeholder of {name} in the exercise cell and run it again",
        )
        if kind is not None and not (isinstance(value, kind) and not isinstance(value, bool)):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            names = " or ".join("a number" if k in (int, float) else k.__name__ for k in kinds)
            hint = f"{name} must be {names}"
            if isinstance(value, str) and _number(value) is not None and int in kinds:
                hint = f"write {name} = {value.strip()} (a number, without quotes)"
            self.expect(
                False,
                f"{name} has the right type",
                expected=names,
                got=f"{value!r} ({type(value).__name__})",
                hint=hint,
            )
        return value

    def answered(
        self,
        answers: Any,
        name: str,
        keys: Collection[str],
        *,
        what: str = "every requirement has an answer",
        add: str = "an answer",
    ) -> Any:
        """Fail unless the design task's ``name`` is filled in with a dict that has an entry
        for each of ``keys``; return it."""
        self.filled(answers, name, dict)
        missing = sorted(set(keys) - set(answers))
        self.expect(
            not missing,
            what,
            expected=", ".join(sorted(keys)),
            got=", ".join(sorted(answers)),
            hint=f"add {add} for {', '.join(missing)}",
        )
        return answers

    def note(self, what: str) -> None:
        """Record a passed step (something the check verified without a condition)."""
        self.result.steps.append(Step(what, True))


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError, or the message of another (e.g. botocore) error."""
    return str(exc.response["Error"]["Code"]) if isinstance(exc, ClientError) else str(exc)


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "").replace("_", ""))
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else repr(value) if value != "" else ""


_REGISTRY: dict[str, Exercise] = {}


def exercise(exercise_id: str, title: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under ``<lab-id>/<name>`` (decorator)."""
    lab, _, name = exercise_id.partition("/")
    if not lab or not name:
        raise ValueError(f"exercise id {exercise_id!r} must look like '<lab-id>/<name>'")

    def register(fn: CheckFn) -> CheckFn:
        _REGISTRY[exercise_id] = Exercise(exercise_id, title, fn)
        return fn

    return register


def _load_lab(lab: str) -> None:
    module = f"lablib.labs.{lab.replace('-', '_')}.checks"  # lablib.labs.module_name
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name not in (module, module.rpartition(".")[0]):  # no such lab, or no checks
            raise


def registered(lab: str | None = None) -> list[str]:
    """Ids of the registered exercises (of one lab when ``lab`` is given)."""
    if lab is not None:
        _load_lab(lab)
        return sorted(i for i in _REGISTRY if i.startswith(lab + "/"))
    return sorted(_REGISTRY)


def get(exercise_id: str) -> Exercise:
    """The exercise with this id (its lab's check module is imported on demand)."""
    if exercise_id not in _REGISTRY:
        _load_lab(exercise_id.partition("/")[0])
    if exercise_id not in _REGISTRY:
        lab = exercise_id.partition("/")[0]
        known = ", ".join(registered(lab)) or "none"
        raise KeyError(f"no exercise {exercise_id!r}; exercises of lab {lab!r}: {known}")
    return _REGISTRY[exercise_id]


def check(exercise_id: str, **inputs: Any) -> CheckResult:
    """Run the check of ``exercise_id`` against the local AWS and return its feedback.

    Never raises for a wrong answer: failures (including API errors and unfilled ``...``)
    are returned as a failed :class:`CheckResult` that prints what was expected, what
    happened and a hint. Unknown ids raise ``KeyError`` listing the lab's exercises.
    """
    spec = get(exercise_id)
    result = CheckResult(exercise_id, spec.title)
    feedback = Feedback(result)
    try:
        spec.fn(feedback, **inputs)
        result.passed = all(step.ok for step in result.steps)
    except _Stop:
        result.passed = False
    except NotImplementedError as exc:
        result.steps.append(
            Step(
                "the exercise code runs",
                False,
                "your solution",
                f"NotImplementedError: {exc}",
                "fill in the marked region of the exercise cell and run it again",
            )
        )
    except Exception as exc:  # a check must not crash the notebook: report instead
        last = traceback.extract_tb(exc.__traceback__)[-1]
        result.steps.append(
            Step(
                "the check could run",
                False,
                "no error",
                f"{type(exc).__name__}: {exc} (at {last.name}, line {last.lineno})",
                "read the error; it usually names the resource or field that is missing",
            )
        )
    record(exercise_id, result.passed)
    return result
