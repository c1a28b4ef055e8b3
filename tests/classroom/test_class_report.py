"""`lablib class report`: learners' homes built through the real ProgressStore and exercise
recording, read back read-only into CSV, HTML and text; a corrupt database is reported."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from lablib.classroom.report import class_report, find_learners
from lablib.cli import main
from lablib.exercises.record import record
from lablib.quiz.bank import Bank, load_bank
from lablib.quiz.mastery import groups_for
from lablib.quiz.progress import DB_NAME, ProgressStore


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank()


def _dva(bank: Bank, domain: str, n: int) -> list[str]:
    groups, _ = groups_for(bank, "domain", exam="DVA-C02")
    return groups[domain][:n]


def _answer(home: Path, answers: list[tuple[str, bool]]) -> None:
    with ProgressStore(home) as store:
        for qid, right in answers:
            store.record_answer(1, qid, "a", right)


def _concepts(bank: Bank, qid: str) -> tuple[str, ...]:
    question = bank.get(qid)
    assert question is not None
    return question.concepts


@pytest.fixture
def klass(tmp_path: Path, bank: Bank) -> Path:
    root = tmp_path / "class"
    dev = _dva(bank, "dva.development", 3)
    sec = _dva(bank, "dva.security", 2)
    # ana: 3 development questions right first time, one security question missed then right
    _answer(root / "ana", [(q, True) for q in dev] + [(sec[0], False), (sec[0], True)])
    record("lambda-invocation/idempotent", True, root / "ana")
    # bo: every answer wrong; tried one exercise and failed it; home under ~/.lablib
    _answer(root / "bo" / ".lablib", [(q, False) for q in dev[:2]])
    record("lambda-invocation/idempotent", False, root / "bo" / ".lablib")
    # cy: the progress database is garbage
    (root / "cy").mkdir(parents=True)
    (root / "cy" / DB_NAME).write_bytes(b"not a database at all" * 100)
    (root / "not-a-learner").mkdir()
    return root


def test_learners_found_by_folder(klass: Path) -> None:
    found = find_learners([klass])
    assert [(n, h.relative_to(klass).as_posix()) for n, h in found] == [
        ("ana", "ana"),
        ("bo", "bo/.lablib"),
        ("cy", "cy"),
    ]
    assert find_learners([klass / "ana"]) == [("ana", klass / "ana")]


def test_report_numbers(klass: Path, bank: Bank) -> None:
    before = {p: p.read_bytes() for p in klass.rglob("*") if p.is_file()}
    report = class_report([klass], bank)
    ana, bo, cy = report.learners
    assert (ana.tried, ana.right_first) == (4, 3)
    assert (bo.tried, bo.right_first) == (2, 0)
    groups, _ = groups_for(bank, "domain", exam="DVA-C02")
    assert ana.domains["dva.development"] == pytest.approx(3 / len(groups["dva.development"]))
    assert ana.domains["dva.security"] == pytest.approx(1 / len(groups["dva.security"]))
    assert bo.domains["dva.development"] == 0.0
    assert ana.exercises == {"lambda-invocation/idempotent": True}
    assert bo.exercises == {"lambda-invocation/idempotent": False}
    assert ana.weakest() == []  # every latest answer right
    bo_concepts = {c for q in _dva(bank, "dva.development", 2) for c in _concepts(bank, q)}
    assert set(bo.weakest(99)) == bo_concepts
    assert set(report.weakest(99)) == bo_concepts
    assert cy.error is not None and "could not be read" in cy.error
    # read-only: no file was added (no -wal/-shm), rewritten or moved aside
    assert {p: p.read_bytes() for p in klass.rglob("*") if p.is_file()} == before


def test_cli_writes_csv_and_html(
    klass: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_csv, out_html = tmp_path / "grades.csv", tmp_path / "class.html"
    assert (
        main(["class", "report", str(klass), "--csv", str(out_csv), "--html", str(out_html)]) == 0
    )
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    assert [r["learner"] for r in rows] == ["ana", "bo", "cy"]
    ana, bo, cy = rows
    assert (ana["tried"], ana["right_first_time"], ana["exercises_passed"]) == ("4", "3", "1")
    assert ana["exercises"] == "lambda-invocation/idempotent"
    assert (bo["tried"], bo["right_first_time"], bo["exercises_passed"]) == ("2", "0", "0")
    assert "Development with AWS Services %" in ana and "Security %" in ana
    assert bo["Development with AWS Services %"] == "0"
    assert "could not be read" in cy["error"] and cy["tried"] == "0"
    page = out_html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<td>ana</td>" in page and "<td>bo</td>" in page
    assert "<th>lambda-invocation/idempotent</th><td>passed</td><td>failed</td>" in page
    assert "cy: progress database" in page
    text = capsys.readouterr().out
    assert "ana" in text and "class weakest concepts:" in text


def test_cli_without_learners(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["class", "report", str(tmp_path)]) == 1
    assert main(["class", "report", str(tmp_path / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_check_records_its_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lablib.exercises import Exercise, Feedback, check, core
    from lablib.exercises.record import read_results

    monkeypatch.setenv("LABLIB_HOME", str(tmp_path))

    def passes(fb: Feedback) -> None:
        fb.expect(True, "fine")

    monkeypatch.setitem(
        core._REGISTRY, "class-test/always", Exercise("class-test/always", "", passes)
    )

    assert check("class-test/always").passed
    assert [(r.exercise, r.passed) for r in read_results(tmp_path)] == [("class-test/always", True)]


def test_reads_a_learner_whose_store_is_open(klass: Path, bank: Bank) -> None:
    extra = _dva(bank, "dva.deployment", 1)[0]
    with ProgressStore(klass / "ana") as live:  # the learner's kernel holds it open (WAL)
        live.record_answer(2, extra, "a", True)
        ana = class_report([klass / "ana"], bank).learners[0]
        assert (ana.tried, ana.right_first, ana.error) == (5, 4, None)
