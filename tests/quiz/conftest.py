"""Fixtures for the quiz engine: a copy of the small fixture bank, a generated exam-sized
bank, a private LABLIB_HOME and a controllable clock."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from lablib.quiz.commands import IO, run
from lablib.quiz.schema import DOMAINS

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("LABLIB_HOME", str(path))
    return path


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    """The fixture bank (5 questions, one per type) beside the real syllabus map."""
    path = tmp_path / "quizzes"
    path.mkdir()
    shutil.copy(ROOT / "quizzes" / "concepts.yaml", path / "concepts.yaml")
    shutil.copy(FIXTURES / "lambda-invocation.yaml", path / "lambda-invocation.yaml")
    return path


def generated_question(n: int, domains: list[str], lab: str = "lambda-invocation") -> dict:
    prefix = {"lambda-invocation": "li", "event-sources": "es"}[lab]
    return {
        "id": f"{prefix}-gen-{n:03d}",
        "concepts": ["lambda.function-model"],
        "domains": domains,
        "type": "single",
        "difficulty": 2,
        "stem": f"Generated question number {n}: which option is right?",
        "options": {"a": "this one", "b": "not this", "c": "nor this", "d": "nor that"},
        "answer": "a",
        "explanations": {k: f"why {k}" for k in "abcd"},
        "source": "original",
    }


@pytest.fixture
def exam_bank_dir(tmp_path: Path) -> Path:
    """A generated bank with 40 single-answer questions per domain (320 in all); every
    fifth also carries a domain of the other exam."""
    path = tmp_path / "exam-quizzes"
    path.mkdir()
    shutil.copy(ROOT / "quizzes" / "concepts.yaml", path / "concepts.yaml")
    keys = list(DOMAINS)
    questions = []
    for i in range(320):
        domains = [keys[i % 8]]
        if i % 5 == 0:
            domains.append(keys[(i + 4) % 8])
        questions.append(generated_question(i, domains))
    text = yaml.safe_dump({"lab": "lambda-invocation", "questions": questions}, sort_keys=False)
    (path / "lambda-invocation.yaml").write_text(text)
    return path


class FakeClock:
    """A monotonic clock and a wall clock that tests move by hand."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.wall = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.t += seconds
        self.wall += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def cli(home: Path, clock: FakeClock) -> Callable[..., Result]:
    """Run ``lablib`` quiz/exam commands with text streams and the fake clock."""

    def call(*argv: str, stdin: str | io.TextIOBase = "") -> Result:
        source = io.StringIO(stdin) if isinstance(stdin, str) else stdin
        out, err = io.StringIO(), io.StringIO()
        code = run(argv, io=IO(stdin=source, stdout=out, stderr=err, clock=clock, now=clock.now))
        return Result(code, out.getvalue(), err.getvalue())

    return call
