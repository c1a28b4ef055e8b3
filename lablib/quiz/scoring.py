"""Scoring rules: correctness per question type, and the exam's scaled score and bands.

* single: the chosen key equals the answer key.
* multiple: all-or-nothing; exactly the set of correct keys (no partial credit).
* numeric: within ``tolerance`` of ``value`` (inclusive).
* text: case-insensitive, with runs of whitespace collapsed and the ends trimmed.
* ordering: every key in the correct order.

An unanswered question (``None``) is simply wrong: there is no penalty for guessing.

Scaled score: AWS does not publish how it scales raw results onto 100-1000 (it equates exam
forms statistically). This engine uses a documented *linear* scale over the percentage of
**scored** items answered correctly: ``scaled = 100 + 900 * correct / scored``, rounded half
up, computed in integers (``100 + (1800 * correct + scored) // (2 * scored)``) so the browser
exam (site/javascripts/lablib-exam.js) gets exactly the same number. The pass mark is 720, so
a pass needs at least 68.9 % (35 of 50 scored items gives 730; 34 gives 712). A domain
"meets" competencies when its own items, put on the same scale, reach 720; otherwise it
"needs work". tests/quiz/fixtures/exam_cases.json holds hand-computed cases that both the
Python and the JavaScript scoring must reproduce.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .schema import DOMAINS, Numeric, Question

Response = str | float | tuple[str, ...] | None

MIN_SCORE = 100
MAX_SCORE = 1000
PASS_MARK = 720
MEETS = "meets"
NEEDS_WORK = "needs work"
_NUMBER_RE = re.compile(r"^\s*([-+]?(?:\d[\d,_]*)?\.?\d+(?:[eE][-+]?\d+)?)")


def normalise_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def is_correct(question: Question, response: Response) -> bool:
    """Whether ``response`` (in bank option keys) answers ``question`` correctly."""
    if response is None:
        return False
    answer = question.answer
    qtype = question.type
    if qtype == "single":
        return response == answer
    if qtype == "multiple":
        assert isinstance(answer, tuple)
        return isinstance(response, tuple) and sorted(set(response)) == sorted(answer)
    if qtype == "ordering":
        return isinstance(response, tuple) and response == answer
    if qtype == "numeric":
        assert isinstance(answer, Numeric)
        if isinstance(response, bool) or not isinstance(response, int | float):
            return False
        return math.isfinite(response) and abs(response - answer.value) <= answer.tolerance + 1e-9
    if qtype == "text":
        assert isinstance(answer, tuple)
        return isinstance(response, str) and normalise_text(response) in {
            normalise_text(a) for a in answer
        }
    raise ValueError(f"question {question.id}: unknown type {qtype!r}")


def parse_response(
    question: Question, text: str, label_to_key: Mapping[str, str] | None = None
) -> Response:
    """Turn typed input into a response in bank keys; ``label_to_key`` maps the displayed
    letters (case-insensitive) to option keys. Raises :class:`ValueError` saying what to type."""
    labels = label_to_key or {k: k for k in question.options}
    lookup = {label.lower(): key for label, key in labels.items()}
    shown = ", ".join(label.upper() for label in labels)
    raw = text.strip()
    if not raw:
        raise ValueError("no answer given")
    qtype = question.type
    if qtype == "single":
        if raw.lower() not in lookup:
            raise ValueError(f"answer with one letter: {shown}")
        return lookup[raw.lower()]
    if qtype in ("multiple", "ordering"):
        parts = [p for p in re.split(r"[\s,;]+", raw.lower()) if p]
        if len(parts) == 1 and len(parts[0]) > 1 and all(c in lookup for c in parts[0]):
            parts = list(parts[0])
        if any(p not in lookup for p in parts) or len(set(parts)) != len(parts):
            raise ValueError(f"answer with different letters among {shown}, e.g. 'A, C'")
        keys = [lookup[p] for p in parts]
        if qtype == "multiple":
            return tuple(sorted(keys))
        if len(keys) != len(question.options):
            raise ValueError(f"put all {len(question.options)} letters in order, e.g. 'C A B'")
        return tuple(keys)
    if qtype == "numeric":
        match = _NUMBER_RE.match(raw)
        if not match:
            raise ValueError("answer with a number, e.g. 900")
        return float(match.group(1).replace(",", "").replace("_", ""))
    return raw


def format_answer(question: Question, key_to_label: Mapping[str, str] | None = None) -> str:
    """The correct answer as a learner would read it."""
    answer = question.answer
    labels = key_to_label or {k: k for k in question.options}

    def show(key: str) -> str:
        return f"{labels[key]}) {question.options[key]}"

    if isinstance(answer, Numeric):
        tol = f" (± {answer.tolerance:g})" if answer.tolerance else ""
        return f"{answer.value:g}{' ' + answer.unit if answer.unit else ''}{tol}"
    if question.type == "single":
        assert isinstance(answer, str)
        return show(answer)
    if question.type == "text":
        return " / ".join(answer)
    assert isinstance(answer, tuple)
    if question.type == "multiple":
        return "; ".join(show(k) for k in sorted(answer, key=lambda k: labels[k]))
    return " -> ".join(show(k) for k in answer)


def scaled_score(correct: int, total: int) -> int:
    """Linear scaled score 100-1000 from ``correct`` of ``total`` scored items."""
    if total <= 0:
        raise ValueError("no scored items to compute a scaled score from")
    if not 0 <= correct <= total:
        raise ValueError(f"correct ({correct}) must be between 0 and total ({total})")
    span = MAX_SCORE - MIN_SCORE
    return MIN_SCORE + (2 * span * correct + total) // (2 * total)


def band(correct: int, total: int) -> str:
    """``meets`` when the domain's own scaled score reaches the pass mark, else ``needs work``."""
    return MEETS if total and scaled_score(correct, total) >= PASS_MARK else NEEDS_WORK


@dataclass(frozen=True)
class DomainResult:
    domain: str
    title: str
    correct: int
    total: int
    band: str


@dataclass(frozen=True)
class ExamResult:
    correct: int
    scored: int
    scaled: int
    passed: bool
    domains: list[DomainResult]


def score_exam(
    items: list[tuple[Question, str, bool]], responses: Mapping[int, Response]
) -> ExamResult:
    """Score an exam. ``items`` are ``(question, domain, scored)`` by position; ``responses``
    maps positions to responses. Unscored items never count, right or wrong."""
    per_domain: dict[str, list[int]] = {}
    correct = scored = 0
    for pos, (question, domain, is_scored) in enumerate(items):
        if not is_scored:
            continue
        ok = is_correct(question, responses.get(pos))
        scored += 1
        correct += ok
        tally = per_domain.setdefault(domain, [0, 0])
        tally[0] += ok
        tally[1] += 1
    scaled = scaled_score(correct, scored)
    order = list(DOMAINS)
    domains = [
        DomainResult(d, DOMAINS[d].title, c, t, band(c, t))
        for d, (c, t) in sorted(per_domain.items(), key=lambda kv: order.index(kv[0]))
    ]
    return ExamResult(correct, scored, scaled, scaled >= PASS_MARK, domains)
