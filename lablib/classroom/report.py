"""Gather a class's progress from the learners' own ``LABLIB_HOME`` folders, read-only.

Convention (one ``LABLIB_HOME`` per learner, named by its folder): each ROOT given is

- a learner's home itself if it holds ``progress.db`` or ``exercises.jsonl`` (named after the
  folder), otherwise
- a folder of learners: every subfolder ``S`` (sorted) holding those files is a learner named
  ``S``; so is a subfolder whose ``S/.lablib`` holds them (home directories on a shared server).

Progress databases are opened with SQLite ``mode=ro`` through
:meth:`lablib.quiz.progress.ProgressStore.open_readonly`; domain readiness is the quiz's
mastery (:func:`lablib.quiz.mastery.mastery_series`: share of the bank's questions of a DVA-C02
domain whose latest answer is right). A learner whose database cannot be read is listed with
the error; the rest of the class is still reported.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lablib.exercises.record import RESULTS_FILE, read_results
from lablib.quiz.bank import Bank
from lablib.quiz.mastery import groups_for, mastery_series
from lablib.quiz.progress import DB_NAME, ProgressStore

EXAM = "DVA-C02"


@dataclass
class LearnerReport:
    name: str
    home: Path
    tried: int = 0
    right_first: int = 0
    domains: dict[str, float] = field(default_factory=dict)  # domain key -> 0..1
    concepts: dict[str, tuple[int, int]] = field(default_factory=dict)  # concept -> tried, missed
    exercises: dict[str, bool] = field(default_factory=dict)  # exercise id -> passed (ever)
    error: str | None = None

    def weakest(self, n: int = 3) -> list[str]:
        return weakest(self.concepts, n)


@dataclass
class ClassReport:
    learners: list[LearnerReport]
    domain_titles: dict[str, str]

    def class_concepts(self) -> dict[str, tuple[int, int]]:
        total: dict[str, tuple[int, int]] = {}
        for learner in self.learners:
            for concept, (tried, missed) in learner.concepts.items():
                t, m = total.get(concept, (0, 0))
                total[concept] = (t + tried, m + missed)
        return total

    def weakest(self, n: int = 5) -> list[str]:
        return weakest(self.class_concepts(), n)

    def exercise_ids(self) -> list[str]:
        return sorted({e for learner in self.learners for e in learner.exercises})


def weakest(concepts: dict[str, tuple[int, int]], n: int) -> list[str]:
    """Concepts with misses, highest miss rate first (then most misses, then name)."""
    missed = [(c, t, m) for c, (t, m) in concepts.items() if m > 0 and t > 0]
    missed.sort(key=lambda x: (-x[2] / x[1], -x[2], x[0]))
    return [c for c, _, _ in missed[:n]]


def _is_home(folder: Path) -> bool:
    return (folder / DB_NAME).is_file() or (folder / RESULTS_FILE).is_file()


def find_learners(roots: Iterable[Path | str]) -> list[tuple[str, Path]]:
    """(name, home) of every learner under ``roots``, by the convention above."""
    found: list[tuple[str, Path]] = []
    for root in map(Path, roots):
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: not a folder")
        if _is_home(root):
            found.append((root.resolve().name, root))
            continue
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            if _is_home(sub):
                found.append((sub.name, sub))
            elif _is_home(sub / ".lablib"):
                found.append((sub.name, sub / ".lablib"))
    return found


def learner_report(name: str, home: Path, bank: Bank) -> LearnerReport:
    out = LearnerReport(name, home)
    for result in read_results(home):
        out.exercises[result.exercise] = out.exercises.get(result.exercise, False) or result.passed
    if not (home / DB_NAME).is_file():
        return out
    try:
        store = ProgressStore.open_readonly(home)
        try:
            answers = store.answers()
        finally:
            store.close()
    except sqlite3.Error as exc:
        out.error = f"progress database {home / DB_NAME} could not be read: {exc}"
        return out
    first: dict[str, bool] = {}
    latest: dict[str, bool] = {}
    for answer in answers:
        first.setdefault(answer.question_id, answer.correct)
        latest[answer.question_id] = answer.correct
    out.tried = len(first)
    out.right_first = sum(first.values())
    groups, _ = groups_for(bank, "domain", exam=EXAM)
    out.domains = mastery_series(answers, groups).latest()
    for qid, right in latest.items():
        question = bank.get(qid)
        for concept in question.concepts if question else ():
            tried, missed = out.concepts.get(concept, (0, 0))
            out.concepts[concept] = (tried + 1, missed + (not right))
    return out


def class_report(roots: Iterable[Path | str], bank: Bank) -> ClassReport:
    _, titles = groups_for(bank, "domain", exam=EXAM)
    learners = [learner_report(name, home, bank) for name, home in find_learners(roots)]
    return ClassReport(learners, titles)
