"""The quiz JSON the browser reads matches the YAML bank, and bad bank input is refused clearly."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from site_support import REPO

from lablib.site.bank import (
    HTML_TAGS,
    BankError,
    escape_placeholders,
    export_bank,
    load_lab_file,
)
from lablib.site.catalog import DOMAIN_KEYS, EXAMS, LAB_IDS


def _yaml_questions() -> dict[str, tuple[str, dict[str, Any]]]:
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for lab_id in LAB_IDS:
        path = REPO / "quizzes" / f"{lab_id}.yaml"
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for q in data.get("questions") or []:
                out[q["id"]] = (lab_id, q)
    return out


def test_generated_json_matches_the_yaml_bank(built_site: Path) -> None:
    data = json.loads((built_site / "quizzes" / "bank.json").read_text(encoding="utf-8"))
    expected = _yaml_questions()
    got = {q["id"]: q for q in data["questions"]}
    assert sorted(got) == sorted(expected)
    assert len(got) == len(data["questions"])  # ids unique
    for qid, (lab_id, q) in expected.items():
        j = got[qid]
        assert j["lab"] == lab_id
        assert j["type"] == q["type"]
        assert j["domains"] == q["domains"]
        assert j["concepts"] == q["concepts"]
        if q["type"] in ("single", "multiple", "ordering"):
            assert [o["key"] for o in j["options"]] == sorted(q["options"])
            assert sorted(j["explanations"]) == sorted(q["options"])
            assert j["answer"] == q["answer"]
        elif q["type"] == "numeric":
            assert j["answer"]["value"] == q["answer"]["value"]
            assert j["answer"]["tolerance"] == q["answer"].get("tolerance", 0)
        else:
            accepted = q["answer"] if isinstance(q["answer"], list) else [q["answer"]]
            assert j["answer"] == [a.strip() for a in accepted]
        assert j["stem"].strip()


def test_json_carries_the_exam_rules_and_labs(built_site: Path) -> None:
    meta = json.loads((built_site / "quizzes" / "bank.json").read_text("utf-8"))["meta"]
    assert (meta["items"], meta["unscored"], meta["minutes"]) == (65, 15, 130)
    assert (meta["scaledMin"], meta["scaledMax"], meta["passScore"]) == (100, 1000, 720)
    assert [lab["id"] for lab in meta["labs"]] == list(LAB_IDS)
    for exam in meta["exams"]:
        assert sum(d["weight"] for d in exam["domains"]) == 100
    assert {d["key"] for e in meta["exams"] for d in e["domains"]} == DOMAIN_KEYS
    assert [e["code"] for e in meta["exams"]] == [e.code for e in EXAMS]


def test_markdown_in_the_bank_becomes_html(tmp_path: Path) -> None:
    path = tmp_path / "lambda-invocation.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "lab": "lambda-invocation",
                "questions": [
                    {
                        "id": "li-md",
                        "concepts": ["lambda.timeouts"],
                        "domains": ["dva.development"],
                        "type": "single",
                        "difficulty": 1,
                        "stem": "What does `Invoke` return?",
                        "options": {"b": "**202**", "a": "200"},
                        "answer": "b",
                        "explanations": {"a": "No.", "b": "Yes."},
                        "lab_ref": "lambda-invocation#lambda.timeouts",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    (q,) = load_lab_file(path)
    assert q["stem"] == "<p>What does <code>Invoke</code> return?</p>"
    assert q["options"] == [
        {"key": "a", "html": "200"},
        {"key": "b", "html": "<strong>202</strong>"},
    ]
    assert q["labRef"] == {"lab": "lambda-invocation", "anchor": "lambda.timeouts"}


BASE: dict[str, Any] = {
    "id": "es-x",
    "concepts": ["es.sqs"],
    "domains": ["dva.development"],
    "type": "single",
    "difficulty": 2,
    "stem": "S",
    "options": {"a": "A", "b": "B"},
    "answer": "a",
    "explanations": {"a": "x", "b": "y"},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "essay"}, "field 'type'"),
        ({"domains": ["dva.nope"]}, "field 'domains': unknown keys ['dva.nope']"),
        ({"answer": "c"}, "field 'answer'"),
        ({"explanations": {"a": "x"}}, "field 'explanations'"),
        ({"type": "multiple", "answer": ["a", "q"]}, "field 'answer': names keys ['q']"),
        ({"type": "ordering", "answer": ["a"]}, "must order every option key"),
        ({"type": "numeric", "answer": 5, "explanation": "e"}, "field 'answer'"),
        ({"type": "text", "answer": ["x"]}, "field 'explanation'"),
        ({"stem": ""}, "field 'stem'"),
        ({"lab_ref": "nowhere#x"}, "field 'lab_ref'"),
    ],
)
def test_bad_question_names_file_id_and_field(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    path = tmp_path / "event-sources.yaml"
    q = {**BASE, **change}
    path.write_text(yaml.safe_dump({"lab": "event-sources", "questions": [q]}), "utf-8")
    with pytest.raises(BankError) as info:
        load_lab_file(path)
    assert str(path) in str(info.value) and "'es-x'" in str(info.value)
    assert message in str(info.value)


def test_wrong_lab_field_and_duplicate_ids_are_refused(tmp_path: Path) -> None:
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    bad = quizzes / "event-sources.yaml"
    bad.write_text(yaml.safe_dump({"lab": "api-gateway", "questions": []}), "utf-8")
    with pytest.raises(BankError, match="must equal the file name 'event-sources'"):
        export_bank(tmp_path)
    bad.write_text(yaml.safe_dump({"lab": "event-sources", "questions": [BASE]}), "utf-8")
    (quizzes / "api-gateway.yaml").write_text(
        yaml.safe_dump({"lab": "api-gateway", "questions": [BASE]}), "utf-8"
    )
    with pytest.raises(BankError, match="already used in .*event-sources.yaml"):
        export_bank(tmp_path)


def test_missing_and_empty_files_give_an_empty_bank(tmp_path: Path) -> None:
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "step-functions.yaml").write_text("", "utf-8")
    bank = export_bank(tmp_path)
    assert bank["questions"] == []
    assert len(bank["meta"]["labs"]) == len(LAB_IDS)


_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_PLACEHOLDER_RE = re.compile(r"<([A-Za-z][^<>\n]*)>")
# what Markdown itself emits, besides the tags a question may write (HTML_TAGS)
_MARKDOWN_TAGS = {"blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "ul", "li"}


def _html_fields(q: dict[str, Any]) -> list[str]:
    fields = [q["stem"], q.get("explanation") or ""]
    fields += [o["html"] for o in q.get("options") or []]
    fields += list((q.get("explanations") or {}).values())
    return fields


def _source_fields(q: dict[str, Any]) -> list[str]:
    fields = [q["stem"], q.get("explanation") or ""]
    for key in ("options", "explanations"):
        value = q.get(key) or {}
        fields += [str(v) for v in (value.values() if isinstance(value, dict) else value)]
    return fields


def test_no_question_loses_a_placeholder_to_the_browser() -> None:
    """Over the whole bank: a <placeholder> in the YAML reaches the browser as text, never as
    an unknown tag the browser drops ('<app>-<stage>' showed as '--')."""
    data = export_bank(REPO)
    got = {q["id"]: q for q in data["questions"]}
    placeholders = 0
    for qid, (_, q) in _yaml_questions().items():
        html = "\n".join(_html_fields(got[qid]))
        for closing, tag in _TAG_RE.findall(html):
            assert tag.lower() in HTML_TAGS | _MARKDOWN_TAGS, f"{qid}: unknown tag <{closing}{tag}>"
        for source in _source_fields(q):
            outside_code = re.sub(r"`+[^`]*`+", "", source)
            for name in _PLACEHOLDER_RE.findall(outside_code):
                if name.split()[0].lower().rstrip("/") in HTML_TAGS:
                    continue
                placeholders += 1
                assert f"&lt;{name}&gt;" in html, f"{qid}: <{name}> is lost in the HTML"
    assert placeholders >= 8  # the bank has such placeholders (e.g. sp-naming-101)


def test_placeholders_escaped_but_code_and_tags_kept() -> None:
    assert escape_placeholders("name '<app>-<stage>'") == "name '&lt;app&gt;-&lt;stage&gt;'"
    assert escape_placeholders("`<app>` and <code>x</code><br/>") == (
        "`<app>` and <code>x</code><br/>"
    )
    assert escape_placeholders("see <https://aws.amazon.com/>") == "see <https://aws.amazon.com/>"
    assert escape_placeholders("```\n<a>-<b>\n```\n<function name>") == (
        "```\n<a>-<b>\n```\n&lt;function name&gt;"
    )
