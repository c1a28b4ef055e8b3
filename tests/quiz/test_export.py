"""Anki and QTI exports, re-read to prove they are what they claim to be."""

from __future__ import annotations

import sqlite3
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from lablib.quiz.bank import load_bank
from lablib.quiz.export import CP_NS, QTI_NS, export_anki, export_qti

Q = f"{{{QTI_NS}}}"


def test_anki_package_holds_one_note_per_question(bank_dir: Path, tmp_path: Path) -> None:
    bank = load_bank(bank_dir)
    out = tmp_path / "deck.apkg"
    assert export_anki(bank.questions, out, seed=None) == 5
    with zipfile.ZipFile(out) as zf:
        assert "collection.anki2" in zf.namelist()
        zf.extract("collection.anki2", tmp_path)
    db = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        notes = db.execute("SELECT flds, tags FROM notes").fetchall()
        cards = db.execute("SELECT COUNT(*) FROM cards").fetchone()[0]
    finally:
        db.close()
    assert len(notes) == 5 and cards == 5
    fields = {f.split("\x1f")[3]: f.split("\x1f") for f, _ in notes}
    assert set(fields) == {q.id for q in bank.questions}
    front, options, back = fields["li-fix-async-status"][:3]
    assert "InvocationType=Event" in front and "202 with an empty body" in options
    assert "Answer:</b> b) 202 with an empty body" in back and "Right: the event is queued" in back
    assert any("lambda.invocation-types" in tags for _, tags in notes)


def test_qti_package_has_one_valid_item_per_question(bank_dir: Path, tmp_path: Path) -> None:
    bank = load_bank(bank_dir)
    out = tmp_path / "qti.zip"
    assert export_qti(bank.questions, out, seed=None) == 5
    with zipfile.ZipFile(out) as zf:
        manifest = ET.fromstring(zf.read("imsmanifest.xml"))
        resources = manifest.findall(f".//{{{CP_NS}}}resource")
        assert len(resources) == 5
        items = {}
        for res in resources:
            assert res.get("type") == "imsqti_item_xmlv2p1"
            root = ET.fromstring(zf.read(res.get("href")))
            assert root.tag == f"{Q}assessmentItem"
            items[root.get("identifier")] = root
    assert set(items) == {q.id for q in bank.questions}
    single = items["li-fix-async-status"]
    assert single.find(f"{Q}itemBody/{Q}choiceInteraction").get("maxChoices") == "1"
    assert [v.text for v in single.findall(f".//{Q}correctResponse/{Q}value")] == ["b"]
    assert len(single.findall(f".//{Q}simpleChoice")) == 3
    multiple = items["li-fix-metrics-two"]
    assert multiple.find(f"{Q}responseDeclaration").get("cardinality") == "multiple"
    assert [v.text for v in multiple.findall(f".//{Q}correctResponse/{Q}value")] == ["a", "b"]
    order = items["li-fix-cold-start-order"]
    assert order.find(f"{Q}responseDeclaration").get("cardinality") == "ordered"
    assert order.find(f"{Q}itemBody/{Q}orderInteraction") is not None
    numeric = items["li-fix-max-timeout"]
    assert numeric.find(f".//{Q}equal").get("toleranceMode") == "absolute"
    assert numeric.find(f".//{Q}correctResponse/{Q}value").text == "900"
    text = items["li-fix-log-group"]
    entry = text.find(f".//{Q}mapEntry")
    assert entry.get("mapKey") == "/aws/lambda/orders" and entry.get("caseSensitive") == "false"
    feedback = single.findall(f"{Q}modalFeedback")
    assert {f.get("identifier") for f in feedback} == {"correct", "incorrect"}


def test_export_command_and_empty_selection(bank_dir: Path, tmp_path: Path, cli) -> None:
    out = tmp_path / "li.zip"
    res = cli(
        "quiz",
        "export",
        "--bank",
        str(bank_dir),
        "--format",
        "qti",
        "--out",
        str(out),
        "--lab",
        "lambda-invocation",
    )
    assert res.code == 0 and f"Wrote 5 questions to {out} (qti)." in res.out
    empty = cli(
        "quiz",
        "export",
        "--bank",
        str(bank_dir),
        "--format",
        "anki",
        "--out",
        str(tmp_path / "x.apkg"),
        "--lab",
        "step-functions",
    )
    assert empty.code == 1
    assert (
        "error: the selection is empty: no questions match; widen --lab/--concept/--domain"
        in empty.err
    )
    assert not (tmp_path / "x.apkg").exists()
    with pytest.raises(ValueError, match="selection is empty"):
        export_anki([], tmp_path / "y.apkg")


def test_whole_bank_exports_re_read(tmp_path: Path) -> None:
    """The real bank: every question becomes one Anki note and one complete QTI item."""
    bank = load_bank()
    apkg, qti = tmp_path / "bank.apkg", tmp_path / "bank.zip"
    assert export_anki(bank.questions, apkg) == len(bank.questions)
    with zipfile.ZipFile(apkg) as zf:
        assert zf.testzip() is None and {"collection.anki2", "media"} <= set(zf.namelist())
        zf.extract("collection.anki2", tmp_path)
    db = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = [r[0].split("\x1f")[3] for r in db.execute("SELECT flds FROM notes")]
        models = db.execute("SELECT models FROM col").fetchone()[0]
    finally:
        db.close()
    assert sorted(ids) == sorted(q.id for q in bank.questions)
    assert "lablib question" in models
    assert export_qti(bank.questions, qti) == len(bank.questions)
    with zipfile.ZipFile(qti) as zf:
        manifest = ET.fromstring(zf.read("imsmanifest.xml"))
        hrefs = [r.get("href") for r in manifest.iter(f"{{{CP_NS}}}resource")]
        assert len(hrefs) == len(bank.questions)
        for href in hrefs:
            item = ET.fromstring(zf.read(str(href)))
            for tag in (
                "responseDeclaration",
                "outcomeDeclaration",
                "itemBody",
                "responseProcessing",
            ):
                assert item.find(f"{Q}{tag}") is not None, (href, tag)
            assert item.find(f"{Q}responseDeclaration/{Q}correctResponse/{Q}value") is not None
            body = item.find(f"{Q}itemBody")
            assert body is not None and len(body) > 0


def test_empty_selection_writes_nothing_for_qti(bank_dir: Path, tmp_path: Path, cli) -> None:
    out = tmp_path / "empty.zip"
    res = cli(
        "quiz",
        "export",
        "--bank",
        str(bank_dir),
        "--format",
        "qti",
        "--out",
        str(out),
        "--domain",
        "saa.cost",
    )
    assert res.code == 1 and "the selection is empty" in res.err and not out.exists()
    with pytest.raises(ValueError, match="nothing to export"):
        export_qti([], out)
    assert not out.exists()


def test_exports_show_options_in_a_seeded_order(bank_dir: Path, tmp_path: Path) -> None:
    bank = load_bank(bank_dir)
    texts = []
    for seed in (1, 1, 2):
        out = tmp_path / f"qti-{seed}-{len(texts)}.zip"
        export_qti(bank.questions, out, seed=seed)
        with zipfile.ZipFile(out) as zf:
            texts.append(zf.read("items/li-fix-async-status.xml"))
    assert texts[0] == texts[1]  # deterministic per seed
    orders = set()
    for seed in range(1, 8):
        out = tmp_path / f"order-{seed}.zip"
        export_qti(bank.questions, out, seed=seed)
        with zipfile.ZipFile(out) as zf:
            root = ET.fromstring(zf.read("items/li-fix-async-status.xml"))
        choices = [c.text or "".join(c.itertext()) for c in root.iter(f"{Q}simpleChoice")]
        correct = root.find(f".//{Q}correctResponse/{Q}value")
        assert correct is not None
        keyed = next(
            c for c in root.iter(f"{Q}simpleChoice") if c.get("identifier") == correct.text
        )
        assert "202 with an empty body" in "".join(keyed.itertext())  # the key follows its text
        orders.add(tuple(choices))
    assert len(orders) > 1


def test_anki_export_leaves_no_file_in_the_temp_folder(
    bank_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    export_anki(load_bank(bank_dir).questions, tmp_path / "deck.apkg")
    assert list(temp.iterdir()) == []
    with zipfile.ZipFile(tmp_path / "deck.apkg") as zf:
        assert sorted(zf.namelist()) == ["collection.anki2", "media"]
