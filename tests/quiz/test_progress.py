"""The progress store: recovery from a corrupt file, history, spaced repetition."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lablib.quiz.bank import load_bank
from lablib.quiz.exam import draw_quiz, new_attempt
from lablib.quiz.progress import DB_NAME, ProgressStore, ProgressStoreWarning, lablib_home

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Wall:
    def __init__(self) -> None:
        self.t = START

    def __call__(self) -> datetime:
        return self.t


def test_home_comes_from_the_environment(home: Path) -> None:
    assert lablib_home() == home
    with ProgressStore() as store:
        assert store.path == home / DB_NAME
    assert (home / DB_NAME).is_file()


@pytest.mark.parametrize(
    "garbage", [b"this is not a database" * 50, b"SQLite format 3\x00" + b"\xff" * 4000]
)
def test_corrupt_database_is_moved_aside_and_recreated(home: Path, garbage: bytes) -> None:
    home.mkdir()
    (home / DB_NAME).write_bytes(garbage)
    with pytest.warns(
        ProgressStoreWarning, match="could not be read .* moved to .*corrupt-20260301T120000"
    ):
        store = ProgressStore(now=Wall())
    assert store.moved_aside == home / f"{DB_NAME}.corrupt-20260301T120000"
    assert store.moved_aside.read_bytes() == garbage  # kept for inspection, not deleted
    store.record_answer(1, "li-x", "a", False)
    assert store.seen() == {"li-x": (1, False)}
    store.close()
    with ProgressStore(now=Wall()) as again:  # the new file is healthy: no warning
        assert again.moved_aside is None and again.seen() == {"li-x": (1, False)}


def test_second_corruption_gets_its_own_name(home: Path) -> None:
    home.mkdir()
    messages: list[str] = []
    for _ in range(2):
        (home / DB_NAME).write_bytes(b"junk" * 300)
        ProgressStore(now=Wall(), warn=messages.append).close()
    assert len(messages) == 2
    assert sorted(p.name for p in home.glob("*.corrupt-*")) == [
        f"{DB_NAME}.corrupt-20260301T120000",
        f"{DB_NAME}.corrupt-20260301T120000-2",
    ]


def test_cli_survives_a_corrupt_database(bank_dir: Path, home: Path, cli) -> None:
    home.mkdir()
    (home / DB_NAME).write_bytes(b"\x00garbage" * 100)
    res = cli("quiz", "due", "--bank", str(bank_dir))
    assert res.code == 0 and "Nothing is due now." in res.out
    assert res.err.startswith("warning: progress database ") and "moved to" in res.err


def test_attempt_state_history_and_resume(bank_dir: Path, home: Path) -> None:
    bank = load_bank(bank_dir)
    attempt = new_attempt(
        "exam", bank.questions, draw_quiz(bank.questions, None, 3), 3, exam="SAA-C03", minutes=10
    )
    with ProgressStore() as store:
        aid = store.start_attempt(attempt)
        attempt.responses[0] = "a"
        attempt.seconds_left = 321.5
        store.save_attempt(aid, attempt)
    with ProgressStore() as store:
        found = store.in_progress("exam")
        assert found is not None and found[0] == aid
        assert found[1].responses == {0: "a"} and found[1].seconds_left == 321.5
        store.finish_attempt(aid, found[1], {"scaled": 280})
        assert store.in_progress("exam") is None
        (entry,) = store.history()
        assert entry["status"] == "submitted" and entry["exam"] == "SAA-C03"
        assert entry["result"] == {"scaled": 280}
        assert len(store.seen()) == 5  # every item's answer is recorded


def test_missed_questions_are_scheduled_with_fsrs(home: Path) -> None:
    wall = Wall()
    with ProgressStore(now=wall) as store:
        store.record_answer(1, "li-right", "b", True)  # never missed: not scheduled
        store.record_answer(1, "li-missed", "a", False)
        assert [d.question_id for d in store.scheduled()] == ["li-missed"]
        assert store.due() == []  # FSRS learning step: back in a few minutes, not at once
        wall.t += timedelta(minutes=10)
        (due,) = store.due()
        assert due.question_id == "li-missed" and due.due <= wall.t
        store.record_answer(2, "li-missed", "b", True)  # answered right: pushed further out
        assert store.due() == []
        later = store.scheduled()[0].due
        assert later > wall.t
        store.record_answer(3, "li-missed", "a", False)  # missed again: comes back soon
        assert store.scheduled()[0].due - wall.t < timedelta(hours=1)


def test_a_newer_schema_is_not_overwritten(home: Path) -> None:
    home.mkdir()
    conn = sqlite3.connect(home / DB_NAME)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    messages: list[str] = []
    with ProgressStore(now=Wall(), warn=messages.append) as store:
        assert store.moved_aside is not None
    assert "written by a newer lablib (schema 99)" in messages[0]
