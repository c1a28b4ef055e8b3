"""Attempts: drawing quizzes and exams (domain weights, unscored items, shuffled options)
and the serialisable state of an attempt in progress (for saving and resuming)."""

from __future__ import annotations

import dataclasses
import json
import math
import zlib
from dataclasses import dataclass, field
from typing import Any

from .rng import Mulberry32
from .schema import DOMAINS, EXAMS, Numeric, Question
from .scoring import ExamResult, Response, is_correct, score_exam

EXAM_ITEMS = 65
EXAM_UNSCORED = 15
EXAM_MINUTES = 130
# The real exams ask only single-answer and multiple-response items; the other types of the
# bank (numeric, text, ordering) are for practice quizzes.
EXAM_TYPES = ("single", "multiple")


@dataclass
class Item:
    """One position in an attempt: the question, its exam domain, whether it counts, and the
    option keys in the order shown (displayed as A, B, C, ...)."""

    qid: str
    domain: str = ""
    scored: bool = True
    order: tuple[str, ...] = ()

    def labels(self) -> dict[str, str]:
        """Displayed letter -> bank option key."""
        return {chr(ord("A") + i): key for i, key in enumerate(self.order)}

    def key_labels(self) -> dict[str, str]:
        return {key: label for label, key in self.labels().items()}


def apportion(weights: dict[str, float], n: int) -> dict[str, int]:
    """Split ``n`` by ``weights`` with the largest-remainder method (each share is within
    one of its exact value and the shares add up to ``n``)."""
    total = sum(weights.values())
    exact = {k: n * w / total for k, w in weights.items()}
    counts = {k: math.floor(v) for k, v in exact.items()}
    rest = n - sum(counts.values())
    for k in sorted(exact, key=lambda k: (counts[k] - exact[k], list(weights).index(k)))[:rest]:
        counts[k] += 1
    return counts


def shuffled_order(question: Question, rng: Mulberry32) -> tuple[str, ...]:
    keys = list(question.options)
    rng.shuffle(keys)
    return tuple(keys)


def shown_keys(question: Question, seed: int | None) -> list[str]:
    """The bank's option keys in the order :func:`shuffle_question` shows them."""
    keys = list(question.options)
    if seed is not None:
        Mulberry32(zlib.crc32(f"{seed}:{question.id}".encode())).shuffle(keys)
    return keys


def shuffle_question(question: Question, seed: int | None) -> Question:
    """``question`` with its options in a seeded order, relettered a, b, c, ... (answer and
    explanations follow their options). For views that show bank keys (the notebook widget,
    Anki, QTI); ``seed=None`` keeps the file order. The order depends on the seed and the id."""
    if seed is None or not question.options:
        return question
    old = shown_keys(question, seed)
    new_key = {k: chr(ord("a") + i) for i, k in enumerate(old)}
    answer = question.answer
    if isinstance(answer, str) and question.type == "single":
        answer = new_key[answer]
    elif isinstance(answer, tuple) and question.type == "multiple":
        answer = tuple(sorted(new_key[k] for k in answer))
    elif isinstance(answer, tuple) and question.type == "ordering":
        answer = tuple(new_key[k] for k in answer)
    return dataclasses.replace(
        question,
        options={new_key[k]: question.options[k] for k in old},
        explanations={new_key[k]: v for k, v in question.explanations.items()},
        answer=answer,
    )


def draw_quiz(questions: list[Question], n: int | None, seed: int) -> list[Item]:
    """``n`` questions (all if None) in a seeded random order, options shuffled (the browser's
    practice draw in lablib-draw.js is the same algorithm)."""
    rng = Mulberry32(seed)
    pool = sorted(questions, key=lambda q: q.id)
    rng.shuffle(pool)
    chosen = pool if n is None else pool[:n]
    return [Item(q.id, q.domains[0], True, shuffled_order(q, rng)) for q in chosen]


def draw_exam(
    questions: list[Question],
    exam: str,
    seed: int,
    *,
    items: int = EXAM_ITEMS,
    unscored: int = EXAM_UNSCORED,
) -> tuple[list[Item], list[str]]:
    """Draw an exam of single-answer and multiple-response items to the guide's domain
    weights: the scored and the unscored items are each apportioned by weight. Returns the
    items and warnings when the bank is short in a domain. ``drawExam`` in
    site/javascripts/lablib-draw.js is a line-by-line port: one seed draws one exam everywhere.
    Raises :class:`ValueError` when the bank has too few questions for ``exam``."""
    if exam not in EXAMS:
        raise ValueError(f"unknown exam {exam!r}; use one of {', '.join(EXAMS)}")
    rng = Mulberry32(seed)
    pools: dict[str, list[Question]] = {d: [] for d in EXAMS[exam]}
    for q in sorted(questions, key=lambda q: q.id):
        if q.type not in EXAM_TYPES:
            continue
        domain = q.domain_for(exam)
        if domain is not None:
            pools[domain].append(q)
    available = sum(len(p) for p in pools.values())
    if available < items:
        raise ValueError(
            f"the bank has {available} single/multiple-response questions tagged with {exam} "
            f"domains; an exam needs {items}. Add questions or tag more with "
            f"{', '.join(EXAMS[exam])}"
        )

    def exam_domains(q: Question) -> int:
        return sum(DOMAINS[d].exam == exam for d in q.domains)

    for pool in pools.values():
        rng.shuffle(pool)
        # single-domain questions are taken first (pop() takes from the end), keeping
        # questions that could also fill another domain for when that one runs short
        pool.sort(key=exam_domains, reverse=True)
    weights = {d: DOMAINS[d].weight for d in EXAMS[exam]}
    tagged = {d: sum(d in q.domains for p in pools.values() for q in p) for d in pools}
    drawn: list[Item] = []
    warnings: list[str] = []
    for count, scored in ((items - unscored, True), (unscored, False)):
        targets = apportion(weights, count)
        # scarcest domains first, so they are not emptied by their neighbours
        for domain in sorted(targets, key=lambda d: tagged[d] / max(weights[d], 1e-9)):
            want = targets[domain]
            for _ in range(want):
                q, source = _take(pools, domain)
                if source != domain:
                    warnings.append(f"not enough {domain} questions; used one from {source}")
                drawn.append(Item(q.id, source, scored, shuffled_order(q, rng)))
    rng.shuffle(drawn)
    return drawn, warnings


def _take(pools: dict[str, list[Question]], domain: str) -> tuple[Question, str]:
    """Pop a question for ``domain``: from its own pool, else one tagged with it too (counted
    for ``domain``), else from the largest pool (counted for that pool's domain)."""
    if pools[domain]:
        return pools[domain].pop(), domain
    for pool in pools.values():
        for i in range(len(pool) - 1, -1, -1):
            if domain in pool[i].domains:
                return pool.pop(i), domain
    largest = max(pools, key=lambda d: len(pools[d]))
    return pools[largest].pop(), largest


def question_to_dict(q: Question) -> dict[str, Any]:
    return dataclasses.asdict(q)


def question_from_dict(d: dict[str, Any]) -> Question:
    data = dict(d)
    answer = data["answer"]
    if data["type"] == "numeric":
        data["answer"] = Numeric(**answer)
    elif isinstance(answer, list):
        data["answer"] = tuple(answer)
    data["concepts"] = tuple(data["concepts"])
    data["domains"] = tuple(data["domains"])
    return Question(**data)


def _response_to_json(r: Response) -> Any:
    return list(r) if isinstance(r, tuple) else r


def _response_from_json(r: Any) -> Response:
    return tuple(r) if isinstance(r, list) else r


@dataclass
class Attempt:
    """Everything needed to resume: a snapshot of the drawn questions (so a bank edited
    mid-attempt cannot change or break it), answers, flags, position and time left."""

    kind: str
    seed: int
    items: list[Item]
    questions: dict[str, Question]
    exam: str = ""
    review: bool = False
    responses: dict[int, Response] = field(default_factory=dict)
    flagged: set[int] = field(default_factory=set)
    current: int = 0
    time_limit: float = 0.0
    seconds_left: float = 0.0

    def question(self, pos: int) -> Question:
        return self.questions[self.items[pos].qid]

    def unanswered(self) -> list[int]:
        return [i for i in range(len(self.items)) if self.responses.get(i) is None]

    def correct(self, pos: int) -> bool:
        return is_correct(self.question(pos), self.responses.get(pos))

    def result(self) -> ExamResult:
        triples = [(self.question(i), it.domain, it.scored) for i, it in enumerate(self.items)]
        return score_exam(triples, self.responses)

    def to_json(self) -> str:
        if getattr(self, "_snapshot_of", None) is not self.questions:
            self._snapshot = {k: question_to_dict(q) for k, q in self.questions.items()}
            self._snapshot_of = self.questions
        return json.dumps(
            {
                "kind": self.kind,
                "seed": self.seed,
                "exam": self.exam,
                "review": self.review,
                "items": [dataclasses.asdict(i) for i in self.items],
                "questions": self._snapshot,
                "responses": {str(k): _response_to_json(v) for k, v in self.responses.items()},
                "flagged": sorted(self.flagged),
                "current": self.current,
                "time_limit": self.time_limit,
                "seconds_left": self.seconds_left,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Attempt:
        d = json.loads(text)
        return cls(
            kind=d["kind"],
            seed=d["seed"],
            exam=d["exam"],
            review=d["review"],
            items=[Item(i["qid"], i["domain"], i["scored"], tuple(i["order"])) for i in d["items"]],
            questions={k: question_from_dict(q) for k, q in d["questions"].items()},
            responses={int(k): _response_from_json(v) for k, v in d["responses"].items()},
            flagged=set(d["flagged"]),
            current=d["current"],
            time_limit=d["time_limit"],
            seconds_left=d["seconds_left"],
        )


def new_attempt(
    kind: str,
    questions: list[Question],
    items: list[Item],
    seed: int,
    *,
    exam: str = "",
    review: bool = False,
    minutes: float = 0.0,
) -> Attempt:
    by_id = {q.id: q for q in questions}
    return Attempt(
        kind=kind,
        seed=seed,
        items=items,
        questions={i.qid: by_id[i.qid] for i in items},
        exam=exam,
        review=review,
        time_limit=minutes * 60.0,
        seconds_left=minutes * 60.0,
    )
