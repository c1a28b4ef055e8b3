"""Exports of a bank selection: Anki (``.apkg`` via genanki) and QTI 2.1 (a content package
zip with ``imsmanifest.xml`` and one ``assessmentItem`` file per question)."""

from __future__ import annotations

import html
import itertools
import sqlite3
import tempfile
import time
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from .exam import shuffle_question
from .schema import Numeric, Question
from .scoring import format_answer

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
_ANKI_MODEL_ID = 1_733_100_207  # fixed so re-imports update notes instead of duplicating


def _require(questions: Sequence[Question]) -> None:
    if not questions:
        raise ValueError("nothing to export: the selection is empty; widen the filters")


def _html_lines(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.strip().splitlines())


def _card_back(q: Question) -> str:
    parts = [f"<b>Answer:</b> {html.escape(format_answer(q))}"]
    if q.explanations:
        items = "".join(f"<li><b>{k})</b> {html.escape(t)}</li>" for k, t in q.explanations.items())
        parts.append(f"<ul>{items}</ul>")
    if q.explanation:
        parts.append(_html_lines(q.explanation))
    if q.lab_ref:
        parts.append(f"<i>See it run: {html.escape(q.lab_ref)}</i>")
    return "<br>".join(parts)


def export_anki(
    questions: Sequence[Question], out: Path | str, deck: str = "lablib", seed: int | None = 1
) -> int:
    """Write an Anki package with one note per question; returns the number written. Options
    are in a seeded order per question (``seed``; None keeps the bank's order)."""
    import genanki

    _require(questions)
    questions = [shuffle_question(q, seed) for q in questions]
    model = genanki.Model(
        _ANKI_MODEL_ID,
        "lablib question",
        fields=[{"name": n} for n in ("Question", "Options", "Back", "Id", "Lab")],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Question}}<br><br>{{Options}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Back}}",
            }
        ],
    )
    deck_obj = genanki.Deck(zlib.crc32(deck.encode()) + 1_000_000_000, deck)
    for q in questions:
        options = "".join(f"<li><b>{k})</b> {html.escape(t)}</li>" for k, t in q.options.items())
        deck_obj.add_note(
            genanki.Note(
                model=model,
                fields=[
                    _html_lines(q.stem),
                    f"<ul>{options}</ul>" if options else f"<i>{q.type} answer</i>",
                    _card_back(q),
                    q.id,
                    q.lab,
                ],
                tags=[q.lab, q.type, *q.domains, *q.concepts],
                guid=genanki.guid_for(q.id),
            )
        )
    _write_package(genanki.Package(deck_obj), Path(out))
    return len(questions)


def _write_package(package: Any, out: Path) -> None:
    """What genanki's ``Package.write_to_file`` does, with its collection database in a
    folder that is removed afterwards (genanki leaves a ``tmpXXXX`` file in ``/tmp`` on every
    export)."""
    timestamp = time.time()
    with tempfile.TemporaryDirectory(prefix="lablib-anki-") as folder:
        db_path = Path(folder) / "collection.anki2"
        db = sqlite3.connect(db_path)
        try:
            package.write_to_db(db.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
            db.commit()
        finally:
            db.close()
        with zipfile.ZipFile(out, "w") as outzip:
            outzip.write(db_path, "collection.anki2")
            outzip.writestr("media", "{}")


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{QTI_NS}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def qti_item(q: Question) -> ET.Element:
    """One QTI 2.1 ``assessmentItem`` (scored 1 when fully right, else 0)."""
    item = ET.Element(
        f"{{{QTI_NS}}}assessmentItem",
        identifier=q.id,
        title=q.id,
        adaptive="false",
        timeDependent="false",
    )
    card = {"single": "single", "multiple": "multiple", "ordering": "ordered"}.get(q.type)
    base = {"numeric": "float", "text": "string"}.get(q.type, "identifier")
    decl = _el(
        item,
        "responseDeclaration",
        identifier="RESPONSE",
        cardinality=card or "single",
        baseType=base,
    )
    correct = _el(decl, "correctResponse")
    answer = q.answer
    if isinstance(answer, Numeric):
        _el(correct, "value", f"{answer.value:g}")
    elif isinstance(answer, str):
        _el(correct, "value", answer)
    else:
        for value in answer:
            _el(correct, "value", value)
    if q.type == "text" and isinstance(answer, tuple):
        mapping = _el(decl, "mapping", defaultValue="0")
        for accepted in answer:
            _el(mapping, "mapEntry", mapKey=str(accepted), mappedValue="1", caseSensitive="false")
    score = _el(
        item, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float"
    )
    _el(_el(score, "defaultValue"), "value", "0")
    _el(
        item,
        "outcomeDeclaration",
        identifier="FEEDBACK",
        cardinality="single",
        baseType="identifier",
    )
    body = _el(item, "itemBody")
    for para in q.stem.strip().split("\n\n"):
        _el(body, "p", para.strip())
    if q.type in ("single", "multiple"):
        inter = _el(
            body,
            "choiceInteraction",
            responseIdentifier="RESPONSE",
            shuffle="true",
            maxChoices="1" if q.type == "single" else "0",
        )
    elif q.type == "ordering":
        inter = _el(body, "orderInteraction", responseIdentifier="RESPONSE", shuffle="true")
    else:
        inter = _el(_el(body, "p"), "textEntryInteraction", responseIdentifier="RESPONSE")
    for key, text in q.options.items():
        _el(inter, "simpleChoice", text, identifier=key)
    _processing(item, q)
    for verdict in ("correct", "incorrect"):
        fb = _el(
            item,
            "modalFeedback",
            outcomeIdentifier="FEEDBACK",
            identifier=verdict,
            showHide="show",
            title=verdict,
        )
        _el(fb, "p", f"Answer: {format_answer(q)}")
        for key, text in q.explanations.items():
            _el(fb, "p", f"{key}) {text}")
        if q.explanation:
            _el(fb, "p", q.explanation)
        if q.lab_ref:
            _el(fb, "p", f"See it run: {q.lab_ref}")
    return item


def _processing(item: ET.Element, q: Question) -> None:
    cond = _el(_el(item, "responseProcessing"), "responseCondition")
    test = _el(cond, "responseIf")
    if isinstance(q.answer, Numeric):
        tol = f"{q.answer.tolerance:g}"
        check = _el(test, "equal", toleranceMode="absolute", tolerance=f"{tol} {tol}")
        _el(check, "variable", identifier="RESPONSE")
        _el(check, "correct", identifier="RESPONSE")
    elif q.type == "text":
        check = _el(test, "gte")
        _el(check, "mapResponse", identifier="RESPONSE")
        _el(check, "baseValue", "1", baseType="float")
    else:
        check = _el(test, "match")
        _el(check, "variable", identifier="RESPONSE")
        _el(check, "correct", identifier="RESPONSE")
    for branch, score, verdict in ((test, "1", "correct"), (None, "0", "incorrect")):
        target = branch if branch is not None else _el(cond, "responseElse")
        _el(
            _el(target, "setOutcomeValue", identifier="SCORE"), "baseValue", score, baseType="float"
        )
        _el(
            _el(target, "setOutcomeValue", identifier="FEEDBACK"),
            "baseValue",
            verdict,
            baseType="identifier",
        )


def export_qti(questions: Sequence[Question], out: Path | str, seed: int | None = 1) -> int:
    """Write a QTI 2.1 content package (zip); returns the number of items. Options are in a
    seeded order per question (``seed``; None keeps the bank's order), and the items also
    ask the player to shuffle."""
    _require(questions)
    questions = [shuffle_question(q, seed) for q in questions]
    ET.register_namespace("", QTI_NS)
    manifest = ET.Element(f"{{{CP_NS}}}manifest", identifier="lablib-quiz-export")
    ET.SubElement(manifest, f"{{{CP_NS}}}organizations")
    resources = ET.SubElement(manifest, f"{{{CP_NS}}}resources")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for q in questions:
            href = f"items/{q.id}.xml"
            zf.writestr(href, ET.tostring(qti_item(q), encoding="utf-8", xml_declaration=True))
            res = ET.SubElement(
                resources,
                f"{{{CP_NS}}}resource",
                identifier=f"res-{q.id}",
                type="imsqti_item_xmlv2p1",
                href=href,
            )
            ET.SubElement(res, f"{{{CP_NS}}}file", href=href)
        ET.register_namespace("", CP_NS)
        zf.writestr(
            "imsmanifest.xml", ET.tostring(manifest, encoding="utf-8", xml_declaration=True)
        )
    return len(questions)
