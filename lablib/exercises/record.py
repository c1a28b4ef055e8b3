"""Exercise results, kept so a teacher can see who passed what (``lablib class report``).

Every :func:`~lablib.exercises.check` appends one JSON line to ``$LABLIB_HOME/exercises.jsonl``
(default ``~/.lablib``): ``{"exercise": id, "passed": bool, "at": ISO time}``. The file is
append-only; a line that cannot be parsed is skipped by :func:`read_results`. Recording never
fails a check: a home that cannot be written to is silently left alone.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS_FILE = "exercises.jsonl"


@dataclass(frozen=True)
class ExerciseResult:
    exercise: str
    passed: bool
    at: str


def results_path(home: Path | str | None = None) -> Path:
    base = Path(home) if home is not None else None
    if base is None:
        base = Path(os.environ.get("LABLIB_HOME") or Path.home() / ".lablib")
    return base / RESULTS_FILE


def record(exercise: str, passed: bool, home: Path | str | None = None) -> None:
    """Append one result line (best effort: an unwritable home is ignored)."""
    line = json.dumps(
        {"exercise": exercise, "passed": bool(passed), "at": datetime.now(UTC).isoformat()}
    )
    path = results_path(home)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
    except OSError:
        pass


def read_results(home: Path | str) -> list[ExerciseResult]:
    """Every recorded result in ``home``, oldest first; damaged lines are skipped."""
    path = results_path(home)
    if not path.is_file():
        return []
    out = []
    with path.open(encoding="utf-8", errors="replace") as lines:
        for text in lines:
            try:
                entry = json.loads(text)
            except ValueError:
                continue
            if not isinstance(entry, dict) or not isinstance(entry.get("exercise"), str):
                continue
            out.append(
                ExerciseResult(entry["exercise"], entry.get("passed") is True, str(entry.get("at")))
            )
    return out
