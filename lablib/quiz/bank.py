"""Load and validate the question bank: every ``quizzes/*.yaml`` except ``concepts.yaml``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .concepts import CONCEPTS_FILE, Syllabus, SyllabusError, default_bank_dir, load_syllabus
from .schema import DOMAINS, BankIssue, Question, validate_question

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class BankError(ValueError):
    """The bank has problems; ``issues`` lists each with file, question id and field."""

    def __init__(self, issues: list[BankIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass
class Bank:
    directory: Path
    syllabus: Syllabus
    questions: list[Question] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_id = {q.id: q for q in self.questions}

    def get(self, qid: str) -> Question | None:
        return self._by_id.get(qid)

    def select(
        self,
        *,
        lab: str | None = None,
        concept: str | None = None,
        domain: str | None = None,
        ids: Iterable[str] | None = None,
    ) -> list[Question]:
        """Questions matching every given filter, in bank order. Unknown names raise
        :class:`ValueError` with the valid choices."""
        if lab is not None:
            lab = self.syllabus.lab_id(lab)
        if concept is not None and concept not in self.syllabus.concepts:
            raise ValueError(f"unknown concept {concept!r}; see quizzes/concepts.yaml")
        if domain is not None and domain not in DOMAINS:
            raise ValueError(f"unknown domain {domain!r}; use one of {', '.join(DOMAINS)}")
        wanted = set(ids) if ids is not None else None
        return [
            q
            for q in self.questions
            if (lab is None or q.lab == lab)
            and (concept is None or concept in q.concepts)
            and (domain is None or domain in q.domains)
            and (wanted is None or q.id in wanted)
        ]


def bank_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.name != CONCEPTS_FILE)


def _normalise_stem(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", stem.lower()).strip()


def check_bank(directory: Path | str | None = None) -> tuple[Bank, list[BankIssue]]:
    """Load every bank file; return the valid questions and every problem found."""
    root = Path(directory if directory is not None else default_bank_dir())
    issues: list[BankIssue] = []
    try:
        syllabus = load_syllabus(root)
    except SyllabusError as exc:
        issue = BankIssue(str(root / CONCEPTS_FILE), "", "", str(exc))
        return Bank(root, Syllabus({}, {})), [issue]
    questions: list[Question] = []
    seen_ids: dict[str, str] = {}
    seen_stems: dict[str, str] = {}
    files = bank_files(root)
    if not files:
        issues.append(BankIssue(str(root), "", "", "no question files (*.yaml) found"))
    for path in files:
        name = f"{root.name}/{path.name}"
        raw = _read_yaml(path, name, issues)
        if raw is None:
            continue
        lab = raw.get("lab")
        if lab not in syllabus.labs:
            issues.append(
                BankIssue(name, "", "lab", f"is {lab!r}; use one of {', '.join(syllabus.labs)}")
            )
            continue
        if path.stem != lab:
            issues.append(BankIssue(name, "", "lab", f"is {lab!r}; rename the file to {lab}.yaml"))
        for key in raw:
            if key not in ("lab", "questions"):
                msg = "unknown top-level key; use lab, questions"
                issues.append(BankIssue(name, "", str(key), msg))
        items = raw.get("questions")
        if not isinstance(items, list):
            issues.append(BankIssue(name, "", "questions", "required: a list of questions"))
            continue
        for index, item in enumerate(items):
            q, found = validate_question(
                item,
                file=name,
                lab=str(lab),
                concepts=set(syllabus.concepts),
                labs=set(syllabus.labs),
                index=index,
            )
            issues.extend(found)
            if q is None:
                continue
            if q.id in seen_ids:
                issues.append(
                    BankIssue(name, q.id, "id", f"duplicate: also used in {seen_ids[q.id]}; rename")
                )
                continue
            seen_ids[q.id] = name
            stem_key = _normalise_stem(q.stem)
            if stem_key in seen_stems:
                issues.append(
                    BankIssue(
                        name, q.id, "stem", f"duplicate of question {seen_stems[stem_key]}; reword"
                    )
                )
                continue
            seen_stems[stem_key] = q.id
            questions.append(q)
    return Bank(root, syllabus, questions), issues


def load_bank(directory: Path | str | None = None) -> Bank:
    """Load the bank and raise :class:`BankError` if any file has a problem."""
    bank, issues = check_bank(directory)
    if issues:
        raise BankError(issues)
    return bank


def _read_yaml(path: Path, name: str, issues: list[BankIssue]) -> dict[str, Any] | None:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 (safe)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        issues.append(
            BankIssue(name, "", "", f"not valid YAML{where}: {problem}; fix the syntax there")
        )
        return None
    except (OSError, UnicodeDecodeError) as exc:
        issues.append(BankIssue(name, "", "", f"cannot read the file ({exc}); save it as UTF-8"))
        return None
    if not isinstance(data, dict):
        issues.append(BankIssue(name, "", "", "expected a mapping with 'lab' and 'questions'"))
        return None
    return data
