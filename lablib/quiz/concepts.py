"""The syllabus map (``quizzes/concepts.yaml``): labs and concept ids, read without scripts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONCEPTS_FILE = "concepts.yaml"


class SyllabusError(ValueError):
    """``concepts.yaml`` is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Concept:
    id: str
    lab: str
    hands_on: bool
    what: str


@dataclass(frozen=True)
class Syllabus:
    labs: dict[str, str]
    concepts: dict[str, Concept]

    def lab_id(self, name: str) -> str:
        """A lab id from its id, its number as the README numbers labs (``01`` or ``1``) or
        its notebook name (``01-lambda-invocation``); ValueError lists the choices."""
        ids = list(self.labs)
        if name in self.labs:
            return name
        number, _, rest = name.partition("-")
        if number.isdigit() and 1 <= int(number) <= len(ids):
            found = ids[int(number) - 1]
            if not rest or rest.removesuffix(".ipynb") == found:
                return found
        choices = ", ".join(f"{n:02d} {lab}" for n, lab in enumerate(ids, start=1))
        raise ValueError(f"unknown lab {name!r}; use a number or an id: {choices}")

    def concepts_of(self, lab: str) -> list[Concept]:
        return [c for c in self.concepts.values() if c.lab == lab]


def default_bank_dir() -> Path:
    """The bank directory: ``$LABLIB_QUIZZES`` if set, else ``quizzes/`` of the repository."""
    env = os.environ.get("LABLIB_QUIZZES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "quizzes"


def load_syllabus(bank_dir: Path | str | None = None) -> Syllabus:
    """Read ``concepts.yaml`` from ``bank_dir`` (default: :func:`default_bank_dir`)."""
    path = Path(bank_dir if bank_dir is not None else default_bank_dir()) / CONCEPTS_FILE
    if not path.is_file():
        raise SyllabusError(f"{path}: not found; the quiz bank needs the syllabus map here")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SyllabusError(f"{path}: not valid YAML ({exc}); fix the syntax") from exc
    if not isinstance(data, dict):
        raise SyllabusError(f"{path}: expected a mapping with 'labs' and 'concepts'")
    labs = data.get("labs")
    concepts = data.get("concepts")
    if not isinstance(labs, dict) or not labs:
        raise SyllabusError(f"{path}: 'labs' must map lab ids to titles")
    if not isinstance(concepts, dict) or not concepts:
        raise SyllabusError(f"{path}: 'concepts' must map concept ids to {{lab, hands_on, what}}")
    out: dict[str, Concept] = {}
    for cid, entry in concepts.items():
        out[str(cid)] = _concept(path, str(cid), entry, labs)
    return Syllabus(labs={str(k): str(v) for k, v in labs.items()}, concepts=out)


def _concept(path: Path, cid: str, entry: Any, labs: dict[Any, Any]) -> Concept:
    if not isinstance(entry, dict):
        raise SyllabusError(f"{path}: concept {cid}: expected a mapping {{lab, hands_on, what}}")
    lab = entry.get("lab")
    if lab not in labs:
        raise SyllabusError(f"{path}: concept {cid}: field 'lab' is {lab!r}; use one of {[*labs]}")
    hands_on = entry.get("hands_on")
    if not isinstance(hands_on, bool):
        raise SyllabusError(f"{path}: concept {cid}: field 'hands_on' must be true or false")
    what = entry.get("what")
    if not isinstance(what, str) or not what.strip():
        raise SyllabusError(f"{path}: concept {cid}: field 'what' must be a non-empty string")
    return Concept(id=cid, lab=str(lab), hands_on=hands_on, what=what)
