"""Predict, run, explain: the learner commits to a guess before a run whose result surprises.

Before the run::

    predict("How many invocations does one S3 upload cause?", ["1", "2", "it loops"])
    PREDICTION = ...          # the learner writes a letter, a number or a word here

After the run::

    reveal(PREDICTION, actual, "Why: the copier writes into the prefix it listens to ...")

``predict`` only shows the question (lettered choices, when given). ``reveal`` never raises:
an unfilled ``...`` still shows the result and the explanation (a learner copy runs top to
bottom), but says that no guess was made. A guess matches when it is the choice's letter or
text (case and spaces ignored), or a number within ``tolerance`` (relative) of ``actual``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Prompt:
    """A question shown before a run; ``choices`` are lettered a, b, c..."""

    question: str
    choices: list[str] = field(default_factory=list)

    def letter(self, text: str) -> str | None:
        """The choice a letter (``"b"``) names, or None."""
        key = text.strip().lower().rstrip(")")
        if len(key) == 1 and "a" <= key < chr(ord("a") + len(self.choices)):
            return self.choices[ord(key) - ord("a")]
        return None

    def __repr__(self) -> str:
        lines = [f"PREDICT: {self.question}"]
        lines += [f"  {chr(ord('a') + i)}) {c}" for i, c in enumerate(self.choices)]
        lines.append("Write your answer in PREDICTION below, then run the next cells.")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = "".join(
            f"<li><b>{chr(ord('a') + i)})</b> {html.escape(c)}</li>"
            for i, c in enumerate(self.choices)
        )
        listing = f"<ul style='list-style:none'>{items}</ul>" if items else ""
        return (
            "<div style='border-left:4px solid #8e44ad;padding-left:8px'>"
            f"<b>&#129300; Predict:</b> {html.escape(self.question)}{listing}"
            "<i>Write your answer in <code>PREDICTION</code>, then run the next cells.</i></div>"
        )


def predict(question: str, choices: Sequence[str] = ()) -> Prompt:
    """Show a prediction prompt; display it as a cell's last expression."""
    if not question.strip():
        raise ValueError("a prediction prompt needs a question")
    return Prompt(question, [str(c) for c in choices])


@dataclass
class Reveal:
    """The learner's guess next to what happened, and why."""

    guess: Any
    actual: Any
    explanation: str
    verdict: str  # "right", "wrong" or "no guess"

    def __repr__(self) -> str:
        guess = "(none: PREDICTION is still ...)" if self.verdict == "no guess" else self.guess
        return (
            f"Your prediction: {guess}\nWhat happened:   {self.actual}\n"
            f"Verdict:         {self.verdict}\nWhy: {self.explanation}"
        )

    def _repr_html_(self) -> str:
        colour = {"right": "#2a7d2a", "wrong": "#c0392b"}.get(self.verdict, "#7f8c8d")
        guess = "none yet" if self.verdict == "no guess" else html.escape(str(self.guess))
        return (
            f"<div style='border-left:4px solid {colour};padding-left:8px'>"
            f"<b style='color:{colour}'>{self.verdict.upper()}</b>: you predicted "
            f"<code>{guess}</code>; it was <code>{html.escape(str(self.actual))}</code>."
            f"<br>{html.escape(self.explanation)}</div>"
        )


def _norm(value: Any) -> str:
    return " ".join(str(value).strip().lower().split())


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().replace(",", "").replace("_", ""))
    except ValueError:
        return None


def matches(guess: Any, actual: Any, prompt: Prompt | None = None, tolerance: float = 0.0) -> bool:
    """Whether ``guess`` predicts ``actual`` (see the module docstring)."""
    if prompt is not None and isinstance(guess, str) and prompt.letter(guess) is not None:
        guess = prompt.letter(guess)
    g, a = _number(guess), _number(actual)
    if g is not None and a is not None:
        return abs(g - a) <= tolerance * max(abs(a), 1e-12) if tolerance else g == a
    return _norm(guess) == _norm(actual)


def reveal(
    guess: Any,
    actual: Any,
    explanation: str,
    *,
    prompt: Prompt | None = None,
    tolerance: float = 0.0,
) -> Reveal:
    """Compare the learner's ``guess`` with ``actual`` and explain; never raises."""
    if guess is ... or guess is None or (isinstance(guess, str) and not guess.strip()):
        return Reveal(guess, actual, explanation, "no guess")
    shown = guess
    if prompt is not None and isinstance(guess, str) and prompt.letter(guess) is not None:
        shown = f"{guess.strip()}) {prompt.letter(guess)}"
    ok = matches(guess, actual, prompt, tolerance)
    return Reveal(shown, actual, explanation, "right" if ok else "wrong")
