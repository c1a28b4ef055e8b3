"""Terminal delivery: the practice quiz and the timed exam, over injectable text streams.

Both read one line per step from ``Console.stdin`` (a terminal, a file of answers, or a test's
stream) and write to ``Console.stdout``. The exam saves its state after every step, so Ctrl-C,
``quit`` or a closed terminal keeps the attempt (with its time left) for ``--resume``.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from .exam import Attempt
from .links import default_labs_dir, notebook_steps, study_links
from .progress import ProgressStore
from .schema import Question
from .scoring import Response, format_answer, is_correct, parse_response

EXAM_HELP = """Commands: an answer (e.g. B, or A,C) | next (or Enter) | prev | flag | sheet
  | goto N | submit | quit (save and resume later) | help. Prefix '=' to force an answer."""


@dataclass
class Console:
    stdin: TextIO
    stdout: TextIO
    clock: Callable[[], float] = time.monotonic

    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def ask(self, prompt: str) -> str:
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")


def clock_text(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def fill(text: str, width: int = 88, initial: str = "", subsequent: str = "") -> str:
    """Wrap at spaces only: words, ARNs and code names are never cut in the middle."""
    return textwrap.fill(
        text,
        width,
        initial_indent=initial,
        subsequent_indent=subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def wrap_text(text: str, width: int = 88) -> list[str]:
    """Re-flow prose paragraphs; keep paragraphs with indented or list lines (code) as is."""
    out: list[str] = []
    for para in text.strip().split("\n\n"):
        lines = para.splitlines()
        if any(line[:1] in (" ", "\t", "-", "*", "`", "{", "}") for line in lines):
            out += lines
        else:
            out.append(fill(" ".join(s.strip() for s in lines), width))
        out.append("")
    return out[:-1]


def see_it_run(q: Question) -> str:
    """Where the question's behaviour is taught and shown running (notebook step, notes)."""
    return study_links(q, notebook_steps(default_labs_dir())).describe()


def render_question(q: Question, order: tuple[str, ...], header: str) -> str:
    lines = [header, "", *wrap_text(q.stem), ""]
    for i, key in enumerate(order):
        lines.append(fill(q.options[key], 88, f"  {chr(65 + i)}) ", "     "))
    hint = {
        "single": "(Choose one.)",
        "multiple": f"(Choose {len(q.answer) if isinstance(q.answer, tuple) else 1}.)",
        "ordering": "(Put every letter in the right order, e.g. C A B D.)",
        "numeric": "(Type a number.)",
        "text": "(Type the answer.)",
    }[q.type]
    return "\n".join([*lines, hint])


def show_response(q: Question, order: tuple[str, ...], response: Response) -> str:
    if response is None:
        return "-"
    labels = {key: chr(65 + i) for i, key in enumerate(order)}
    if isinstance(response, tuple):
        keys = sorted(response, key=lambda k: labels[k]) if q.type == "multiple" else response
        return ("," if q.type == "multiple" else " ").join(labels[k] for k in keys)
    if isinstance(response, float):
        return f"{response:g}"
    return labels.get(response, response) if q.type == "single" else response


def explain(q: Question, order: tuple[str, ...], response: Response) -> list[str]:
    """Feedback lines: the right answer, why the chosen options are right or wrong, the
    overall explanation and the lab link ("see it run")."""
    labels = {key: chr(65 + i) for i, key in enumerate(order)}
    out = [fill(f"Answer: {format_answer(q, labels)}", 88, "", "  ")]
    chosen: list[str] = []
    if isinstance(response, tuple):
        chosen = list(response)
    elif isinstance(response, str) and q.type == "single":
        chosen = [response]
    answer = q.answer if isinstance(q.answer, tuple) else (q.answer,)
    keys = {*chosen, *(k for k in answer if isinstance(k, str))}
    for key in sorted((k for k in keys if k in labels), key=lambda k: labels[k]):
        if key in q.explanations:
            out.append(fill(q.explanations[key], 88, f"  {labels[key]}) ", "     "))
    if q.explanation:
        out.append(fill(q.explanation, 88))
    link = see_it_run(q)
    head, sep, notes = link.partition(" (notes: ")
    if len(link) <= 88 or not sep:
        out.append(fill(link, 88, "", "  "))
    else:  # the notes path stays whole on a line of its own
        out += [fill(head, 88, "", "  "), f"  (notes: {notes}"]
    return out


# --- practice quiz ---------------------------------------------------------------------
def run_quiz(
    console: Console, store: ProgressStore, attempt_id: int, attempt: Attempt
) -> dict[str, Any]:
    """Ask each item; feedback after each answer (with explanations in review mode)."""
    asked: list[dict[str, Any]] = []
    stopped = False
    for pos, item in enumerate(attempt.items):
        q = attempt.question(pos)
        console.say()
        console.say(render_question(q, item.order, f"Question {pos + 1} of {len(attempt.items)}"))
        response: Response = None
        try:
            while True:
                line = console.ask("> ").strip()
                if line.lower() in ("quit", "q"):
                    raise EOFError
                if line.lower() in ("", "skip"):
                    break
                try:
                    response = parse_response(q, line.removeprefix("="), item.labels())
                    break
                except ValueError as exc:
                    console.say(f"  {exc}")
        except (EOFError, KeyboardInterrupt):
            stopped = True
            break
        attempt.responses[pos] = response
        ok = is_correct(q, response)
        store.record_answer(attempt_id, q.id, response, ok)
        store.save_attempt(attempt_id, attempt)
        asked.append({"id": q.id, "correct": ok})
        console.say("Right." if ok else ("Skipped." if response is None else "Wrong."))
        if attempt.review:
            for text in explain(q, item.order, response):
                console.say(text)
        elif not ok:
            console.say(f"Answer: {format_answer(q, item.key_labels())}")
    right = sum(a["correct"] for a in asked)
    console.say()
    early = " (stopped early)" if stopped else ""
    console.say(f"Score: {right} of {len(asked)} answered{early}")
    missed = [a["id"] for a in asked if not a["correct"]]
    if missed and not attempt.review:
        console.say("Missed (they come back in `lablib quiz due`):")
        for qid in missed:
            console.say(f"  {qid}  {see_it_run(attempt.questions[qid])}")
    result = {"answered": len(asked), "correct": right, "missed": missed, "stopped": stopped}
    store.finish_attempt(attempt_id, attempt, result, record=False)
    return result


# --- timed exam ------------------------------------------------------------------------
@dataclass
class ExamOutcome:
    status: str  # "submitted" or "saved"
    interrupted: bool = False
    timed_out: bool = False


class ExamSession:
    """The interactive exam loop. ``eof_submits``: end of input submits (answer files);
    otherwise it saves the attempt for later (a closed terminal)."""

    def __init__(
        self,
        console: Console,
        store: ProgressStore,
        attempt_id: int,
        attempt: Attempt,
        *,
        eof_submits: bool = False,
    ) -> None:
        self.console = console
        self.store = store
        self.attempt_id = attempt_id
        self.attempt = attempt
        self.eof_submits = eof_submits
        self._start = console.clock()
        self._base_left = attempt.seconds_left

    @property
    def timed(self) -> bool:
        return self.attempt.time_limit > 0

    def left(self) -> float:
        return self._base_left - (self.console.clock() - self._start)

    def save(self) -> None:
        if self.timed:
            self.attempt.seconds_left = max(0.0, self.left())
        self.store.save_attempt(self.attempt_id, self.attempt)

    def show(self) -> None:
        a = self.attempt
        item = a.items[a.current]
        header = f"Item {a.current + 1} of {len(a.items)}"
        if a.current in a.flagged:
            header += "   [flagged for review]"
        if self.timed:
            header += f"   time left {clock_text(self.left())}"
        self.console.say()
        self.console.say(render_question(a.question(a.current), item.order, header))
        if a.responses.get(a.current) is not None:
            shown = show_response(a.question(a.current), item.order, a.responses[a.current])
            self.console.say(f"Your answer: {shown}")

    def sheet(self) -> None:
        a = self.attempt
        cells = []
        for i, item in enumerate(a.items):
            mark = show_response(a.question(i), item.order, a.responses.get(i))
            cells.append(f"{i + 1:>3}{'*' if i in a.flagged else ' '}{mark[:7]:<8}")
        self.console.say()
        self.console.say(
            f"Answer sheet: {len(a.items) - len(a.unanswered())} answered, "
            f"{len(a.unanswered())} unanswered, {len(a.flagged)} flagged (*)"
        )
        for row in range(0, len(cells), 6):
            self.console.say(" ".join(cells[row : row + 6]))
        self.console.say("Type 'goto N' to jump to an item, or 'submit' to finish.")

    def run(self) -> ExamOutcome:
        try:
            return self._loop()
        except KeyboardInterrupt:
            self.save()
            self.console.say("\nInterrupted: exam saved. Resume with `lablib exam --resume`.")
            return ExamOutcome("saved", interrupted=True)

    def _loop(self) -> ExamOutcome:
        a = self.attempt
        self.console.say(EXAM_HELP)
        self.show()
        while True:
            try:
                line = self.console.ask("> ")
            except EOFError:
                if self.eof_submits:
                    return self._submit()
                self.save()
                self.console.say("\nSaved. Resume with `lablib exam --resume`.")
                return ExamOutcome("saved")
            if self.timed and self.left() <= 0:
                self.console.say("Time is up: the exam is submitted as it stands.")
                return self._submit(timed_out=True)
            cmd, _, arg = line.strip().partition(" ")
            cmd = cmd.lower()
            if cmd in ("", "next", "n", ">"):
                self._move(a.current + 1)
            elif cmd in ("prev", "p", "<"):
                self._move(a.current - 1)
            elif cmd in ("flag", "f"):
                a.flagged ^= {a.current}
                self.console.say("Flagged." if a.current in a.flagged else "Flag removed.")
            elif cmd in ("sheet", "s"):
                self.sheet()
            elif cmd in ("goto", "g"):
                if arg.strip().isdigit() and 1 <= int(arg) <= len(a.items):
                    self._move(int(arg) - 1)
                else:
                    self.console.say(f"  goto needs an item number 1-{len(a.items)}")
            elif cmd == "submit":
                if self._confirm():
                    return self._submit()
            elif cmd in ("quit", "q"):
                self.save()
                self.console.say("Saved. Resume with `lablib exam --resume`.")
                return ExamOutcome("saved")
            elif cmd in ("help", "?"):
                self.console.say(EXAM_HELP)
            else:
                self._answer(line.strip().removeprefix("="))
            self.save()

    def _move(self, pos: int) -> None:
        a = self.attempt
        if pos >= len(a.items):
            self.sheet()
            return
        a.current = max(0, pos)
        self.show()

    def _answer(self, text: str) -> None:
        a = self.attempt
        try:
            a.responses[a.current] = parse_response(
                a.question(a.current), text, a.items[a.current].labels()
            )
        except ValueError as exc:
            self.console.say(f"  {exc}")
            return
        self._move(a.current + 1)

    def _confirm(self) -> bool:
        a = self.attempt
        self.console.say(
            f"{len(a.unanswered())} unanswered and {len(a.flagged)} flagged items. "
            "Submit now? This is final. [yes/no]"
        )
        try:
            reply = self.console.ask("> ").strip().lower()
        except EOFError:
            return self.eof_submits
        return reply in ("y", "yes")

    def _submit(self, timed_out: bool = False) -> ExamOutcome:
        self.save()
        return ExamOutcome("submitted", timed_out=timed_out)
