"""Export the YAML question bank (quizzes/<lab-id>.yaml) as the JSON the browser reads.

Every file that exists is read; labs with no file yet simply have no questions. Text fields
are Markdown and are rendered to HTML here, once, so the browser only inserts HTML. A
malformed question stops the build with the file, the question id and the field to fix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import markdown
import yaml

from lablib.quiz.links import Step, concept_anchor, pick_step
from lablib.site.catalog import DOMAIN_KEYS, LAB_IDS, exam_meta, lab_titles

TYPES = ("single", "multiple", "numeric", "text", "ordering")
CHOICE_TYPES = ("single", "multiple", "ordering")
_ID_RE = re.compile(r"^[a-z0-9-]+$")
_KEY_RE = re.compile(r"^[a-z]$")
_MD_EXTENSIONS = ["tables", "sane_lists", "pymdownx.superfences", "pymdownx.inlinehilite"]


class BankError(ValueError):
    """A question bank file the site cannot use; the message names file, id and field."""


# Tags a question may write as HTML; any other <word ...> is a placeholder (<name>,
# <app>-<stage>) that the browser would swallow as an unknown tag, so it is escaped.
HTML_TAGS = frozenset(
    "a abbr b br code del div em i img kbd li ol p pre s span strong sub sup table tbody td "
    "th thead tr u ul".split()
)
_CODE_RE = re.compile(
    r"(?P<fence>^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\2[ \t]*$)|(?P<ticks>`+).+?(?P=ticks)", re.M | re.S
)
_ANGLE_RE = re.compile(r"<(/?)([A-Za-z][^<>\n]*)>")


def escape_placeholders(text: str) -> str:
    """Escape <placeholder>s outside code; leave known HTML tags and <https://...> links."""

    def angle(match: re.Match[str]) -> str:
        inner = match.group(2)
        name = re.match(r"[A-Za-z][A-Za-z0-9]*", inner)
        tag = name.group(0).lower() if name else ""
        if (tag in HTML_TAGS and re.match(r"[A-Za-z0-9]*(\s|/?$)", inner)) or re.match(
            r"(https?|mailto):", inner
        ):
            return match.group(0)
        return f"&lt;{match.group(1)}{inner}&gt;"

    out: list[str] = []
    last = 0
    for code in _CODE_RE.finditer(text):
        out.append(_ANGLE_RE.sub(angle, text[last : code.start()]))
        out.append(code.group(0))
        last = code.end()
    out.append(_ANGLE_RE.sub(angle, text[last:]))
    return "".join(out)


def _md(text: str) -> str:
    html: str = markdown.markdown(escape_placeholders(text.strip()), extensions=_MD_EXTENSIONS)
    return html


def _md_inline(text: str) -> str:
    html = _md(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


class _Ctx:
    def __init__(self, path: Path, qid: str) -> None:
        self.path = path
        self.qid = qid

    def fail(self, field: str, problem: str) -> BankError:
        return BankError(f"{self.path}: question {self.qid!r}: field {field!r}: {problem}")


def _text(q: dict[str, Any], field: str, ctx: _Ctx, required: bool = True) -> str | None:
    value = q.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ctx.fail(field, "must be a non-empty string")
    return value


def _str_list(q: dict[str, Any], field: str, ctx: _Ctx) -> list[str]:
    value = q.get(field)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ctx.fail(field, "must be a non-empty list of strings")
    return list(value)


def _options(q: dict[str, Any], ctx: _Ctx) -> dict[str, str]:
    options = q.get("options")
    if not isinstance(options, dict) or len(options) < 2:
        raise ctx.fail("options", "needs at least two options keyed a, b, c, ...")
    out: dict[str, str] = {}
    for key, text in options.items():
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise ctx.fail("options", f"key {key!r} must be one lower-case letter")
        if not isinstance(text, str | int | float) or str(text).strip() == "":
            raise ctx.fail("options", f"option {key!r} needs text")
        out[key] = str(text)
    return dict(sorted(out.items()))


def _answer(q: dict[str, Any], qtype: str, keys: list[str], ctx: _Ctx) -> Any:
    answer = q.get("answer")
    if qtype == "single":
        if answer not in keys:
            raise ctx.fail("answer", f"must be one of the option keys {keys}, got {answer!r}")
        return answer
    if qtype in ("multiple", "ordering"):
        if not isinstance(answer, list) or not answer or len(set(map(str, answer))) != len(answer):
            raise ctx.fail("answer", "must be a list of distinct option keys")
        unknown = [a for a in answer if a not in keys]
        if unknown:
            raise ctx.fail("answer", f"names keys {unknown} that are not options {keys}")
        if qtype == "ordering" and sorted(answer) != keys:
            raise ctx.fail("answer", f"must order every option key exactly once: {keys}")
        return list(answer)
    if qtype == "numeric":
        if not isinstance(answer, dict) or not isinstance(answer.get("value"), int | float):
            raise ctx.fail("answer", "must be {value: <number>, tolerance: <number>, unit: ...}")
        tolerance = answer.get("tolerance", 0)
        if not isinstance(tolerance, int | float) or tolerance < 0:
            raise ctx.fail("answer", "tolerance must be a number >= 0")
        unit = answer.get("unit")
        return {"value": answer["value"], "tolerance": tolerance, "unit": unit and str(unit)}
    accepted = [answer] if isinstance(answer, str) else answer
    if (
        not isinstance(accepted, list)
        or not accepted
        or not all(isinstance(a, str) and a.strip() for a in accepted)
    ):
        raise ctx.fail("answer", "must be a list of accepted answers (strings)")
    return [a.strip() for a in accepted]


def _question(q: Any, lab: str, path: Path, index: int) -> dict[str, Any]:
    if not isinstance(q, dict):
        raise BankError(f"{path}: questions[{index}] must be a mapping with id, type, stem, ...")
    qid = q.get("id")
    if not isinstance(qid, str) or not _ID_RE.match(qid):
        raise BankError(f"{path}: questions[{index}]: field 'id' must match [a-z0-9-]+")
    ctx = _Ctx(path, qid)
    qtype = q.get("type")
    if qtype not in TYPES:
        raise ctx.fail("type", f"must be one of {', '.join(TYPES)}, got {qtype!r}")
    domains = _str_list(q, "domains", ctx)
    unknown = sorted(set(domains) - DOMAIN_KEYS)
    if unknown:
        raise ctx.fail("domains", f"unknown keys {unknown}; use {sorted(DOMAIN_KEYS)}")
    difficulty = q.get("difficulty", 2)
    if difficulty not in (1, 2, 3):
        raise ctx.fail("difficulty", "must be 1, 2 or 3")
    out: dict[str, Any] = {
        "id": qid,
        "lab": lab,
        "type": qtype,
        "difficulty": difficulty,
        "concepts": _str_list(q, "concepts", ctx),
        "domains": domains,
        "stem": _md(_text(q, "stem", ctx) or ""),
        "options": [],
        "explanations": {},
        "explanation": None,
        "labRef": None,
        "verify": q.get("verify"),
    }
    keys: list[str] = []
    if qtype in CHOICE_TYPES:
        options = _options(q, ctx)
        keys = list(options)
        out["options"] = [{"key": k, "html": _md_inline(v)} for k, v in options.items()]
        explanations = q.get("explanations")
        if not isinstance(explanations, dict) or sorted(map(str, explanations)) != keys:
            raise ctx.fail("explanations", f"needs one entry per option key {keys}")
        out["explanations"] = {str(k): _md_inline(str(v)) for k, v in explanations.items()}
    out["answer"] = _answer(q, qtype, keys, ctx)
    explanation = _text(q, "explanation", ctx, required=qtype not in CHOICE_TYPES)
    out["explanation"] = _md(explanation) if explanation else None
    lab_ref = q.get("lab_ref")
    if lab_ref is not None:
        if not isinstance(lab_ref, str) or lab_ref.split("#", 1)[0] not in LAB_IDS:
            raise ctx.fail("lab_ref", f"must be '<lab-id>#<anchor>' with a lab id in {LAB_IDS}")
        ref_lab, _, anchor = lab_ref.partition("#")
        out["labRef"] = {"lab": ref_lab, "anchor": anchor}
    return out


def load_lab_file(path: Path) -> list[dict[str, Any]]:
    """Read and check one quizzes/<lab-id>.yaml; return its questions in browser form."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BankError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:  # an empty file being written
        return []
    if not isinstance(data, dict):
        raise BankError(f"{path}: must be a mapping with 'lab' and 'questions'")
    lab = data.get("lab")
    if lab != path.stem:
        raise BankError(
            f"{path}: field 'lab' is {lab!r}; it must equal the file name {path.stem!r}"
        )
    questions = data.get("questions") or []
    if not isinstance(questions, list):
        raise BankError(f"{path}: field 'questions' must be a list")
    return [_question(q, lab, path, i) for i, q in enumerate(questions)]


def add_study_links(
    bank: dict[str, Any],
    steps: dict[str, list[Step]],
    notebooks: set[str],
    directory_urls: bool = True,
) -> None:
    """Give every question its study-loop links (site-relative URLs): ``notes`` (the notes
    section of lab_ref, else the lab's notes page), ``notebook`` (the lab notebook page, when
    the notebook exists) and ``run`` (the notebook step teaching one of its concepts, anchored
    at ``#concept-<id>``; else the notebook page; null without a notebook)."""

    def page(lab: str, name: str) -> str:
        return f"labs/{lab}/{name}/" if directory_urls else f"labs/{lab}/{name}.html"

    for q in bank["questions"]:
        ref = q.get("labRef") or {"lab": q["lab"], "anchor": ""}
        notes = page(ref["lab"], "notes") + (f"#{ref['anchor']}" if ref["anchor"] else "")
        step = pick_step(q["concepts"], (ref["lab"], q["lab"]), steps)
        home = ref["lab"] if ref["lab"] in notebooks else q["lab"]
        notebook = page(home, "notebook") if home in notebooks else None
        if step is not None and step.lab in notebooks:
            run: str | None = page(step.lab, "notebook") + "#" + concept_anchor(step.concept)
            title: str | None = step.title
        else:
            run, title = notebook, None
        q["links"] = {"notes": notes, "notebook": notebook, "run": run, "runTitle": title}


def export_bank(repo_root: Path) -> dict[str, Any]:
    """The whole bank and the exam rules, ready for json.dumps."""
    titles = lab_titles(repo_root)
    questions: list[dict[str, Any]] = []
    seen: dict[str, Path] = {}
    for lab_id in LAB_IDS:
        path = repo_root / "quizzes" / f"{lab_id}.yaml"
        if not path.is_file():
            continue
        for q in load_lab_file(path):
            if q["id"] in seen:
                raise BankError(
                    f"{path}: question id {q['id']!r} is already used in {seen[q['id']]}; "
                    "ids must be unique across the bank"
                )
            seen[q["id"]] = path
            questions.append(q)
    meta = exam_meta()
    meta["labs"] = [{"id": lab_id, "title": titles[lab_id]} for lab_id in LAB_IDS]
    return {"meta": meta, "questions": questions}
