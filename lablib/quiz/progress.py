"""The local progress store: attempts, answers, exams in progress, history and the
spaced-repetition queue, in SQLite under ``$LABLIB_HOME`` (default ``~/.lablib``).

A database file that SQLite cannot read is moved aside (renamed with a timestamp) and a new
one is created, with a warning; the quiz never crashes on it. Missed questions are scheduled
with FSRS (the ``fsrs`` package): a wrong answer rates the card *Again*, a right answer to a
question that already has a card rates it *Good*; :meth:`ProgressStore.due` lists the cards
whose review time has come.

A wall clock moved back (or a history written on a machine whose clock ran ahead) never loses
or hides anything: a card last reviewed "in the future" is reviewed from that time on and is
listed as due now (``Due.clock_back``), and exams measure time on the monotonic clock.
"""

from __future__ import annotations

import json
import os
import sqlite3
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fsrs import Card, Rating, Scheduler

from .exam import Attempt
from .scoring import Response

DB_NAME = "progress.db"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    exam TEXT NOT NULL DEFAULT '',
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT,
    state TEXT NOT NULL,
    result TEXT
);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY,
    attempt_id INTEGER NOT NULL REFERENCES attempts(id),
    question_id TEXT NOT NULL,
    response TEXT,
    correct INTEGER NOT NULL,
    scored INTEGER NOT NULL,
    answered_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_question ON answers(question_id);
CREATE TABLE IF NOT EXISTS cards (
    question_id TEXT PRIMARY KEY,
    card TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


class ProgressStoreWarning(UserWarning):
    """The progress database was unreadable and has been moved aside."""


def lablib_home() -> Path:
    return Path(os.environ.get("LABLIB_HOME") or Path.home() / ".lablib")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _warn(message: str) -> None:
    warnings.warn(message, ProgressStoreWarning, stacklevel=3)


@dataclass(frozen=True)
class Due:
    question_id: str
    due: datetime
    clock_back: bool = False  # last reviewed after "now": the clock was moved back


@dataclass(frozen=True)
class Answer:
    question_id: str
    correct: bool
    at: datetime


class ProgressStore:
    """Open (or create, or recover) the store in ``home`` (default: :func:`lablib_home`)."""

    def __init__(
        self,
        home: Path | str | None = None,
        *,
        now: Callable[[], datetime] = _utcnow,
        warn: Callable[[str], None] = _warn,
    ) -> None:
        self.home = Path(home) if home is not None else lablib_home()
        self.path = self.home / DB_NAME
        self.now = now
        self.moved_aside: Path | None = None
        self._scheduler = Scheduler(enable_fuzzing=False)
        self.home.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = self._connect()
        except sqlite3.DatabaseError as exc:
            stamp = self.now().strftime("%Y%m%dT%H%M%S")
            aside = self.path.with_name(f"{DB_NAME}.corrupt-{stamp}")
            n = 1
            while aside.exists():
                n += 1
                aside = self.path.with_name(f"{DB_NAME}.corrupt-{stamp}-{n}")
            os.replace(self.path, aside)
            self.moved_aside = aside
            warn(
                f"progress database {self.path} could not be read ({exc}); it was moved to "
                f"{aside} and a new, empty one was created"
            )
            self._conn = self._connect()

    @classmethod
    def open_readonly(cls, home: Path | str) -> ProgressStore:
        """Open the existing store in ``home`` read-only (SQLite ``mode=ro``), e.g. another
        learner's: nothing is created (no -wal/-shm either), migrated or moved aside. A
        missing file raises FileNotFoundError, an unreadable one sqlite3.DatabaseError; only
        reading methods
        (:meth:`answers`, :meth:`seen`, :meth:`history`, :meth:`due`) may be used."""
        store = cls.__new__(cls)
        store.home = Path(home)
        store.path = store.home / DB_NAME
        store.now = _utcnow
        store.moved_aside = None
        store._scheduler = Scheduler(enable_fuzzing=False)
        if not store.path.is_file():
            raise FileNotFoundError(f"no progress database at {store.path}")
        # With the learner's store closed (no -wal/-shm beside it), opening read-only would
        # still create those two files, owned by the reader: ``immutable=1`` creates nothing.
        live = all(store.path.with_name(DB_NAME + s).exists() for s in ("-wal", "-shm"))
        query = "mode=ro" if live else "mode=ro&immutable=1"
        conn = sqlite3.connect(f"{store.path.resolve().as_uri()}?{query}", uri=True)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check}")
            conn.execute("SELECT COUNT(*) FROM answers").fetchone()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        store._conn = conn
        return store

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"written by a newer lablib (schema {version})")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            with conn:
                conn.executescript(_SCHEMA)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _stamp(self) -> str:
        return self.now().isoformat()

    # --- attempts --------------------------------------------------------------------
    def start_attempt(self, attempt: Attempt) -> int:
        now = self._stamp()
        with self._conn:
            cur = self._conn.execute(
                "INSERT INTO attempts (kind, exam, seed, status, started_at, updated_at, state)"
                " VALUES (?, ?, ?, 'in_progress', ?, ?, ?)",
                (attempt.kind, attempt.exam, attempt.seed, now, now, attempt.to_json()),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def attempt_number(self, attempt_id: int) -> int:
        """The learner's count of attempts of this attempt's kind and exam up to this one
        (ids count quizzes and exams together, so the first exam may have id 2)."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM attempts a, attempts b WHERE b.id = ? AND a.kind = b.kind"
            " AND a.exam IS b.exam AND a.id <= b.id",
            (attempt_id,),
        ).fetchone()
        return int(row[0]) if row else 1

    def save_attempt(self, attempt_id: int, attempt: Attempt) -> None:
        with self._conn:
            self._conn.execute(
                "UPDATE attempts SET state = ?, updated_at = ? WHERE id = ?",
                (attempt.to_json(), self._stamp(), attempt_id),
            )

    def in_progress(self, kind: str = "exam") -> tuple[int, Attempt] | None:
        """The most recent unfinished attempt of ``kind``."""
        row = self._conn.execute(
            "SELECT id, state FROM attempts WHERE kind = ? AND status = 'in_progress'"
            " ORDER BY id DESC LIMIT 1",
            (kind,),
        ).fetchone()
        return (int(row[0]), Attempt.from_json(row[1])) if row else None

    def finish_attempt(
        self, attempt_id: int, attempt: Attempt, result: dict[str, Any], *, record: bool = True
    ) -> None:
        """Mark submitted; with ``record`` store every item's answer and schedule misses."""
        if record:
            for pos, item in enumerate(attempt.items):
                self.record_answer(
                    attempt_id,
                    item.qid,
                    attempt.responses.get(pos),
                    attempt.correct(pos),
                    scored=item.scored,
                )
        now = self._stamp()
        with self._conn:
            self._conn.execute(
                "UPDATE attempts SET status = 'submitted', state = ?, result = ?,"
                " updated_at = ?, finished_at = ? WHERE id = ?",
                (attempt.to_json(), json.dumps(result), now, now, attempt_id),
            )

    def record_answer(
        self, attempt_id: int, qid: str, response: Response, correct: bool, *, scored: bool = True
    ) -> None:
        value = json.dumps(list(response) if isinstance(response, tuple) else response)
        with self._conn:
            self._conn.execute(
                "INSERT INTO answers (attempt_id, question_id, response, correct, scored,"
                " answered_at) VALUES (?, ?, ?, ?, ?, ?)",
                (attempt_id, qid, value, int(correct), int(scored), self._stamp()),
            )
        self._schedule(qid, correct)

    def history(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            "SELECT id, kind, exam, seed, status, started_at, finished_at, result FROM attempts"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        keys = ("id", "kind", "exam", "seed", "status", "started_at", "finished_at", "result")
        out = [dict(zip(keys, row, strict=True)) for row in rows]
        for entry in out:
            entry["result"] = json.loads(entry["result"]) if entry["result"] else None
        return out

    def seen(self) -> dict[str, tuple[int, bool]]:
        """Per question id: times answered and whether the latest answer was right."""
        rows = self._conn.execute(
            "SELECT question_id, COUNT(*), (SELECT correct FROM answers b WHERE"
            " b.question_id = a.question_id ORDER BY b.id DESC LIMIT 1)"
            " FROM answers a GROUP BY question_id"
        ).fetchall()
        return {qid: (int(n), bool(last)) for qid, n, last in rows}

    # --- spaced repetition -----------------------------------------------------------
    def _schedule(self, qid: str, correct: bool) -> None:
        row = self._conn.execute("SELECT card FROM cards WHERE question_id = ?", (qid,)).fetchone()
        if row is None and correct:
            return
        card = Card.from_json(row[0]) if row else Card(card_id=zlib.crc32(qid.encode()))
        rating = Rating.Good if correct else Rating.Again
        moment = self.now()
        if card.last_review is not None and card.last_review > moment:
            moment = card.last_review  # the clock went back: keep the schedule moving forward
        card, _ = self._scheduler.review_card(card, rating, review_datetime=moment)
        with self._conn:
            self._conn.execute(
                "INSERT INTO cards (question_id, card, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT(question_id) DO UPDATE SET card = excluded.card,"
                " updated_at = excluded.updated_at",
                (qid, card.to_json(), self._stamp()),
            )

    def due(self, now: datetime | None = None) -> list[Due]:
        """Scheduled questions whose review time is at or before ``now``, earliest first."""
        moment = now or self.now()
        out = []
        for qid, text in self._conn.execute("SELECT question_id, card FROM cards"):
            card = Card.from_json(text)
            back = card.last_review is not None and card.last_review > moment + timedelta(minutes=1)
            if card.due <= moment or back:
                out.append(Due(qid, card.due, back))
        return sorted(out, key=lambda d: (d.due, d.question_id))

    def answers(self) -> list[Answer]:
        """Every recorded answer, oldest first (by time, then by the order recorded)."""
        rows = self._conn.execute(
            "SELECT question_id, correct, answered_at FROM answers ORDER BY id"
        ).fetchall()
        out = []
        for qid, correct, stamp in rows:
            try:
                at = datetime.fromisoformat(stamp)
            except (TypeError, ValueError):
                continue  # a row written by hand or damaged: skip it, keep the rest
            out.append(Answer(qid, bool(correct), at if at.tzinfo else at.replace(tzinfo=UTC)))
        return sorted(out, key=lambda a: a.at)

    def scheduled(self) -> list[Due]:
        """Every scheduled question with its next review time."""
        rows = self._conn.execute("SELECT question_id, card FROM cards").fetchall()
        return sorted(
            (Due(qid, Card.from_json(text).due) for qid, text in rows),
            key=lambda d: (d.due, d.question_id),
        )
