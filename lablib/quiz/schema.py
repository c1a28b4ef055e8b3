"""The question schema: the :class:`Question` record, exam domains, and field validation.

The contract is the brief's bank schema. :func:`validate_question` checks every field of one
raw YAML mapping and returns :class:`BankIssue` objects that name the file, the question id
and the field, and say what to do; it never raises for bad data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TYPES = ("single", "multiple", "numeric", "text", "ordering")
CHOICE_TYPES = ("single", "multiple", "ordering")
ID_PREFIX = {
    "lambda-invocation": "li-",
    "event-sources": "es-",
    "api-gateway": "ag-",
    "versions-aliases": "va-",
    "step-functions": "sf-",
    "serverless-practices": "sp-",
}
FIELDS = (
    "id concepts domains type difficulty stem options answer explanations explanation "
    "lab_ref verify source"
).split()
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VERIFY_RE = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)+$")
_ANCHOR_RE = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class Domain:
    key: str
    exam: str
    title: str
    weight: float


DOMAINS: dict[str, Domain] = {
    d.key: d
    for d in (
        Domain("dva.development", "DVA-C02", "Development with AWS Services", 0.32),
        Domain("dva.security", "DVA-C02", "Security", 0.26),
        Domain("dva.deployment", "DVA-C02", "Deployment", 0.24),
        Domain("dva.troubleshooting", "DVA-C02", "Troubleshooting and Optimization", 0.18),
        Domain("saa.secure", "SAA-C03", "Design Secure Architectures", 0.30),
        Domain("saa.resilient", "SAA-C03", "Design Resilient Architectures", 0.26),
        Domain("saa.performance", "SAA-C03", "Design High-Performing Architectures", 0.24),
        Domain("saa.cost", "SAA-C03", "Design Cost-Optimized Architectures", 0.20),
    )
}
EXAMS: dict[str, list[str]] = {
    exam: [d.key for d in DOMAINS.values() if d.exam == exam] for exam in ("DVA-C02", "SAA-C03")
}


@dataclass(frozen=True)
class Numeric:
    value: float
    tolerance: float = 0.0
    unit: str = ""


Answer = str | tuple[str, ...] | Numeric


@dataclass(frozen=True)
class Question:
    """One validated question. ``answer`` is a key (single), a tuple of keys (multiple,
    ordering), a tuple of accepted strings (text) or a :class:`Numeric`."""

    id: str
    lab: str
    concepts: tuple[str, ...]
    domains: tuple[str, ...]
    type: str
    difficulty: int
    stem: str
    answer: Answer
    options: dict[str, str] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)
    explanation: str = ""
    lab_ref: str = ""
    verify: str = ""
    source: str = ""
    file: str = ""

    def domain_for(self, exam: str) -> str | None:
        """The first of this question's domains that belongs to ``exam``, if any."""
        return next((d for d in self.domains if DOMAINS[d].exam == exam), None)


@dataclass(frozen=True)
class BankIssue:
    file: str
    qid: str
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.qid:
            where += f": question {self.qid}"
        if self.field:
            where += f": field '{self.field}'"
        return f"{where}: {self.message}"


def _keys_text(keys: list[str] | tuple[str, ...]) -> str:
    return ", ".join(keys)


def _str_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return [str(v) for v in value]
    return None


def validate_question(
    raw: Any, *, file: str, lab: str, concepts: set[str], labs: set[str], index: int
) -> tuple[Question | None, list[BankIssue]]:
    """Validate one raw question mapping from ``file`` (a bank file for ``lab``)."""
    qid = raw.get("id") if isinstance(raw, dict) else None
    label = qid if isinstance(qid, str) and qid else f"#{index + 1} (no id)"
    issues: list[BankIssue] = []

    def bad(fld: str, msg: str) -> None:
        issues.append(BankIssue(file, label, fld, msg))

    if not isinstance(raw, dict):
        bad("", "expected a mapping (id, concepts, domains, type, ...); indent it under questions")
        return None, issues
    for key in raw:
        if key not in FIELDS:
            bad(str(key), f"unknown field; allowed fields are {_keys_text(FIELDS)}")
    prefix = ID_PREFIX.get(lab, "")
    if not isinstance(qid, str) or not _ID_RE.match(qid):
        bad("id", "required: a stable id of lowercase letters, digits and '-', e.g. li-async-202")
    elif prefix and not qid.startswith(prefix):
        bad("id", f"ids in the {lab} file start with '{prefix}'; rename it")
    cids = _str_list(raw.get("concepts"))
    if cids is None:
        bad("concepts", "required: a non-empty list of concept ids from quizzes/concepts.yaml")
    else:
        for c in cids:
            if c not in concepts:
                bad("concepts", f"unknown concept {c!r}; use an id listed in quizzes/concepts.yaml")
    doms = _str_list(raw.get("domains"))
    if doms is None:
        bad("domains", f"required: a non-empty list of domain keys ({_keys_text(list(DOMAINS))})")
    else:
        for d in doms:
            if d not in DOMAINS:
                bad("domains", f"unknown domain {d!r}; use one of {_keys_text(list(DOMAINS))}")
    qtype = raw.get("type")
    if qtype not in TYPES:
        bad("type", f"is {qtype!r}; use one of {_keys_text(TYPES)}")
    difficulty = raw.get("difficulty")
    if isinstance(difficulty, bool) or not isinstance(difficulty, int) or not 1 <= difficulty <= 3:
        bad("difficulty", f"is {difficulty!r}; use 1 (recall), 2 or 3 (scenario / tricky)")
    stem = raw.get("stem")
    if not isinstance(stem, str) or not stem.strip():
        bad("stem", "required: the question text as a non-empty string")
    options: dict[str, str] = {}
    explanations: dict[str, str] = {}
    if qtype in CHOICE_TYPES:
        options = _check_options(raw.get("options"), bad)
        explanations = _check_explanations(raw.get("explanations"), options, bad)
    elif qtype in TYPES:
        for fld in ("options", "explanations"):
            if fld in raw:
                bad(fld, f"{qtype} questions have no options; remove it (use 'explanation')")
    explanation = raw.get("explanation", "")
    if not isinstance(explanation, str):
        bad("explanation", "must be a string")
        explanation = ""
    elif qtype in ("numeric", "text") and not explanation.strip():
        bad("explanation", f"required for {qtype} questions: say why the answer is right")
    answer = _check_answer(qtype, raw.get("answer"), options, bad) if qtype in TYPES else None
    lab_ref = raw.get("lab_ref", "")
    if lab_ref != "":
        ref_lab, _, anchor = str(lab_ref).partition("#")
        if not isinstance(lab_ref, str) or ref_lab not in labs or not _ANCHOR_RE.match(anchor):
            bad("lab_ref", f"is {lab_ref!r}; write '<lab id>#<anchor>', e.g. '{lab}#section'")
    verify = raw.get("verify", "")
    if verify != "" and (not isinstance(verify, str) or not _VERIFY_RE.match(verify)):
        bad("verify", f"is {verify!r}; write a behaviour test key '<area>.<slug>'")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        bad("source", "required: where the question comes from, e.g. 'original'")
    if issues or answer is None:
        return None, issues
    assert isinstance(qid, str) and cids and doms and isinstance(stem, str)
    assert isinstance(qtype, str) and isinstance(difficulty, int) and isinstance(source, str)
    question = Question(
        id=qid,
        lab=lab,
        concepts=tuple(cids),
        domains=tuple(doms),
        type=qtype,
        difficulty=difficulty,
        stem=stem.strip(),
        answer=answer,
        options=options,
        explanations=explanations,
        explanation=explanation.strip(),
        lab_ref=str(lab_ref),
        verify=str(verify),
        source=source,
        file=file,
    )
    return question, issues


def _check_options(value: Any, bad: Any) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) < 2:
        bad("options", "required: a mapping of at least two keys a, b, ... to option text")
        return {}
    keys = [str(k) for k in value]
    expected = [chr(ord("a") + i) for i in range(len(keys))]
    if keys != expected:
        bad("options", f"keys are {_keys_text(keys)}; use {_keys_text(expected)} in this order")
        return {}
    options: dict[str, str] = {}
    for k, text in value.items():
        if not isinstance(text, str | int | float) or isinstance(text, bool) or not str(text):
            bad("options", f"option {k}: give the option text as a non-empty string")
        options[str(k)] = str(text)
    return options


def _check_explanations(value: Any, options: dict[str, str], bad: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        bad("explanations", "required: one entry per option key saying why it is right or wrong")
        return {}
    out: dict[str, str] = {}
    for k in options:
        text = value.get(k)
        if not isinstance(text, str) or not text.strip():
            bad("explanations", f"missing for option {k}; say why it is right or wrong")
        else:
            out[k] = text.strip()
    for k in value:
        if str(k) not in options:
            bad("explanations", f"key {k} is not an option; remove it or add option {k}")
    return out


def _check_answer(qtype: str, value: Any, options: dict[str, str], bad: Any) -> Answer | None:
    keys = list(options)
    if qtype == "single":
        if not isinstance(value, str) or value not in options:
            bad("answer", f"is {value!r}; give one option key ({_keys_text(keys)})")
            return None
        return value
    if qtype == "multiple":
        vals = _str_list(value)
        if vals is None or len(vals) < 2 or len(set(vals)) != len(vals):
            bad("answer", "give a list of at least two different option keys, e.g. [a, c]")
            return None
        wrong = [v for v in vals if v not in options]
        if wrong:
            bad("answer", f"{_keys_text(wrong)} not among the option keys ({_keys_text(keys)})")
            return None
        if len(vals) == len(keys):
            bad("answer", "every option is correct; add at least one wrong option")
            return None
        return tuple(sorted(vals))
    if qtype == "ordering":
        vals = _str_list(value)
        if vals is None or sorted(vals) != sorted(keys) or len(set(vals)) != len(vals):
            bad("answer", f"give every option key once in the correct order ({_keys_text(keys)})")
            return None
        return tuple(vals)
    if qtype == "text":
        vals = _str_list(value)
        if vals is None:
            bad("answer", "give a list of accepted answers, e.g. [ReportBatchItemFailures]")
            return None
        return tuple(vals)
    # numeric
    if not isinstance(value, dict) or not _is_number(value.get("value")):
        bad("answer", "give {value: <number>, tolerance: <number>, unit: <text>}")
        return None
    tol = value.get("tolerance", 0)
    if not _is_number(tol) or tol < 0:
        bad("answer", f"tolerance is {tol!r}; give a number >= 0")
        return None
    extra = set(value) - {"value", "tolerance", "unit"}
    if extra:
        names = _keys_text(sorted(map(str, extra)))
        bad("answer", f"unknown keys {names}; use value, tolerance, unit")
        return None
    return Numeric(float(value["value"]), float(tol), str(value.get("unit", "") or ""))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
