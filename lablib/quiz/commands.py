"""The ``lablib quiz`` and ``lablib exam`` subcommands (registered by ``lablib.cli``).

Every handler reads and writes through :class:`IO` (``args.io``), so tests drive the commands
with their own streams and clocks: ``run(["exam", "--answers", "-"], io=IO(stdin=...))``.
"""

from __future__ import annotations

import argparse
import io as _iomod
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from .bank import Bank, BankError, load_bank
from .concepts import SyllabusError
from .exam import EXAM_MINUTES, Attempt, draw_exam, draw_quiz, new_attempt
from .form import GUESSER_EXAMS, form_failures, form_report, format_report
from .progress import ProgressStore
from .schema import CHOICE_TYPES, DOMAINS, EXAMS, Question
from .scoring import PASS_MARK, parse_response
from .terminal import Console, ExamSession, clock_text, run_quiz, see_it_run


class UsageError(Exception):
    """Bad command-line input; the message says what to do."""


@dataclass
class IO:
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


def _io(args: argparse.Namespace) -> IO:
    found = getattr(args, "io", None)
    return found if isinstance(found, IO) else IO()


def register(subparsers: Any) -> None:
    """Add ``quiz`` (with check, stats, due, export) and ``exam`` to the ``lablib`` CLI."""
    quiz = subparsers.add_parser(
        "quiz", help="practise with the question bank", description="Practise questions."
    )
    _bank_option(quiz)
    quiz.add_argument("--lab", help="only questions of this lab id")
    quiz.add_argument("--concept", help="only questions on this concept id")
    quiz.add_argument("--domain", help=f"only this exam domain ({', '.join(DOMAINS)})")
    quiz.add_argument("--review", action="store_true", help="explanations after each answer")
    quiz.add_argument("--new", action="store_true", help="only questions never answered before")
    quiz.add_argument("--wrong", action="store_true", help="retest those last answered wrong")
    quiz.add_argument("--due", action="store_true", help="only questions due for repetition")
    quiz.add_argument("-n", type=int, default=10, help="number of questions (default 10)")
    _run_options(quiz)
    quiz.set_defaults(handler=cmd_quiz)
    sub = quiz.add_subparsers(dest="quiz_command", metavar="SUBCOMMAND")
    check = sub.add_parser(
        "check", help="validate the bank and measure its form (exit 1 on problems)"
    )
    _bank_option(check)
    check.add_argument(
        "--exams", type=int, default=GUESSER_EXAMS, help="exams the guesser takes (default 1000)"
    )
    check.set_defaults(handler=cmd_check)
    stats = sub.add_parser("stats", help="counts per lab, concept, domain and type")
    _bank_option(stats)
    stats.add_argument("--json", action="store_true", help="machine-readable output")
    stats.set_defaults(handler=cmd_stats)
    due = sub.add_parser("due", help="questions due for spaced repetition")
    _bank_option(due)
    due.set_defaults(handler=cmd_due)
    export = sub.add_parser("export", help="export to Anki (.apkg) or QTI 2.1 (.zip)")
    _bank_option(export)
    export.add_argument("--format", required=True, choices=("anki", "qti"))
    export.add_argument("--out", required=True, type=Path, help="file to write")
    export.add_argument("--lab")
    export.add_argument("--concept")
    export.add_argument("--domain")
    export.set_defaults(handler=cmd_export)

    exam = subparsers.add_parser(
        "exam", help="timed practice exam (65 items)", description="A timed practice exam."
    )
    _bank_option(exam)
    exam.add_argument("--exam", default="DVA-C02", choices=tuple(EXAMS))
    exam.add_argument("--minutes", type=float, default=EXAM_MINUTES, help="0 = untimed")
    exam.add_argument("--resume", action="store_true", help="continue the saved exam")
    _run_options(exam)
    exam.set_defaults(handler=cmd_exam)


def _bank_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bank", type=Path, default=None, help="bank directory (quizzes/)")


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, help="reproduce an attempt (same items and order)")
    parser.add_argument(
        "--answers",
        metavar="FILE|-",
        help="answers from a file or stdin: one per line as typed, or JSON "
        '({"question-id": answer in bank keys} or a list of lines)',
    )
    parser.add_argument("--json", action="store_true", help="print a JSON result only")


def run(argv: Sequence[str], *, io: IO | None = None) -> int:
    """Parse and run ``argv`` (e.g. ``["quiz", "check"]``) with the given streams."""
    parser = argparse.ArgumentParser(prog="lablib")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    args.io = io or IO()
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


def _guard(fn: Callable[[argparse.Namespace, IO], int]) -> Callable[[argparse.Namespace], int]:
    def wrapper(args: argparse.Namespace) -> int:
        io = _io(args)
        try:
            return fn(args, io)
        except BankError as exc:
            io.stderr.write(f"The question bank has {len(exc.issues)} problem(s):\n{exc}\n")
        except (UsageError, SyllabusError) as exc:
            io.stderr.write(f"error: {exc}\n")
        return 1

    wrapper.__doc__ = fn.__doc__
    return wrapper


def _store(io: IO) -> ProgressStore:
    def warn(message: str) -> None:
        io.stderr.write(f"warning: {message}\n")

    return ProgressStore(now=io.now, warn=warn)


def _bank(args: argparse.Namespace) -> Bank:
    return load_bank(args.bank)


def _selected(args: argparse.Namespace) -> list[Question]:
    """The bank's questions that --lab/--concept/--domain select (a bad id is a usage error)."""
    bank = _bank(args)  # a bank that does not load is not a usage error
    try:
        return bank.select(lab=args.lab, concept=args.concept, domain=args.domain)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


@_guard
def cmd_check(args: argparse.Namespace, io: IO) -> int:
    """Validate the bank; print every problem with file, question id and field."""
    bank = _bank(args)
    files = len({q.file for q in bank.questions})
    io.stdout.write(f"Schema: {len(bank.questions)} questions in {files} files are valid.\n")
    report = form_report(bank.questions, exams=args.exams)
    io.stdout.write("\n".join(format_report(report)) + "\n")
    failures = form_failures(report)
    if failures:
        io.stderr.write("FAIL: the form of the bank gives answers away:\n")
        io.stderr.write("".join(f"  - {f}\n" for f in failures))
        return 1
    io.stdout.write("OK: schema and form thresholds pass.\n")
    return 0


def bank_stats(bank: Bank) -> dict[str, Any]:
    qs = bank.questions
    concepts = Counter(c for q in qs for c in q.concepts)
    by_concept = {c: concepts.get(c, 0) for c in bank.syllabus.concepts}
    return {
        "questions": len(qs),
        "labs": {lab: sum(q.lab == lab for q in qs) for lab in bank.syllabus.labs},
        "domains": {d: sum(d in q.domains for q in qs) for d in DOMAINS},
        "types": dict(sorted(Counter(q.type for q in qs).items())),
        "difficulty": dict(sorted(Counter(str(q.difficulty) for q in qs).items())),
        "concepts": by_concept,
        "thin_concepts": [c for c, n in by_concept.items() if n < 2],
        "with_verify": sum(bool(q.verify) for q in qs),
    }


@_guard
def cmd_stats(args: argparse.Namespace, io: IO) -> int:
    """Counts per lab, concept, domain and type; flags concepts with fewer than 2 questions."""
    stats = bank_stats(_bank(args))
    if args.json:
        io.stdout.write(json.dumps(stats, indent=2) + "\n")
        return 0
    out = [f"{stats['questions']} questions ({stats['with_verify']} with a behaviour test)"]
    for title, key in (("lab", "labs"), ("domain", "domains"), ("type", "types")):
        out += ["", f"By {title}:"] + [f"  {k:<40} {v:>4}" for k, v in stats[key].items()]
    out += ["", "By difficulty:"] + [f"  {k:<40} {v:>4}" for k, v in stats["difficulty"].items()]
    out += ["", "By concept:"]
    for c, n in stats["concepts"].items():
        out.append(f"  {c:<40} {n:>4}" + ("   <- fewer than 2" if n < 2 else ""))
    thin = stats["thin_concepts"]
    out += ["", f"{len(thin)} concept(s) with fewer than 2 questions" + (":" if thin else ".")]
    out += [f"  {c}" for c in thin]
    io.stdout.write("\n".join(out) + "\n")
    return 0


@_guard
def cmd_due(args: argparse.Namespace, io: IO) -> int:
    """List the questions the spaced-repetition schedule brings back now."""
    with _store(io) as store:
        due = store.due()
        due_ids = {d.question_id for d in due}
        upcoming = [d for d in store.scheduled() if d.question_id not in due_ids]
    try:
        bank: Bank | None = _bank(args)
    except (BankError, SyllabusError):
        bank = None
    back = [d for d in due if d.clock_back]
    if back:
        io.stdout.write(
            f"Note: the clock is earlier than your last answer to {len(back)} question(s) "
            "(was it changed?); they are listed as due now and your history is kept.\n"
        )
    if not due:
        io.stdout.write("Nothing is due now.\n")
    else:
        io.stdout.write(f"{len(due)} question(s) due now (practise: `lablib quiz --due`):\n")
    for d in due:
        q = bank.get(d.question_id) if bank else None
        stem = q.stem.splitlines()[0][:70] if q else "(no longer in the bank)"
        io.stdout.write(f"  {d.question_id:<28} {stem}\n")
        if q is not None:
            io.stdout.write(f"  {'':<28} {see_it_run(q)}\n")
    if upcoming:
        io.stdout.write(f"Next review: {upcoming[0].due:%Y-%m-%d %H:%M} UTC ")
        io.stdout.write(f"({len(upcoming)} scheduled later).\n")
    return 0


@_guard
def cmd_export(args: argparse.Namespace, io: IO) -> int:
    """Export a selection of the bank to Anki or QTI 2.1."""
    from .export import export_anki, export_qti

    questions = _selected(args)
    if not questions:
        raise UsageError(
            "the selection is empty: no questions match; widen --lab/--concept/--domain"
        )
    writer = export_anki if args.format == "anki" else export_qti
    count = writer(questions, args.out)
    io.stdout.write(f"Wrote {count} questions to {args.out} ({args.format}).\n")
    return 0


def _read_answers(spec: str, io: IO) -> list[str] | dict[str, Any]:
    try:
        text = io.stdin.read() if spec == "-" else Path(spec).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--answers {spec}: cannot read it ({exc.strerror})") from exc
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"--answers {spec}: looks like JSON but line {exc.lineno}: {exc.msg}; fix it"
            ) from exc
        if isinstance(data, dict):
            return data
        return ["" if v is None else _as_line(v) for v in data]
    return text.splitlines()


def _as_line(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _dict_lines(attempt: Attempt, answers: dict[str, Any], prefix: list[str]) -> list[str]:
    """Answers by question id (bank keys) -> the lines a learner would type, in item order."""
    lines = list(prefix)
    for pos, item in enumerate(attempt.items):
        q = attempt.question(pos)
        if item.qid not in answers or answers[item.qid] is None:
            lines.append("")
            continue
        value = answers[item.qid]
        try:
            response = parse_response(q, _as_line(value))
        except ValueError as exc:
            raise UsageError(f"--answers: question {item.qid}: {exc} (use bank keys)") from exc
        if q.type in CHOICE_TYPES:
            labels = item.key_labels()
            keys = response if isinstance(response, tuple) else (str(response),)
            lines.append("=" + ", ".join(labels[k] for k in keys))
        else:
            lines.append("=" + _as_line(value))
    return lines


def _console(args: argparse.Namespace, io: IO, attempt: Attempt, prefix: list[str]) -> Console:
    out: TextIO = _iomod.StringIO() if args.json else io.stdout
    if args.answers is None:
        return Console(io.stdin, out, io.clock)
    answers = _read_answers(args.answers, io)
    lines = _dict_lines(attempt, answers, prefix) if isinstance(answers, dict) else answers
    return Console(_iomod.StringIO("".join(f"{line}\n" for line in lines)), out, io.clock)


def _seed(args: argparse.Namespace) -> int:
    return int(args.seed) if args.seed is not None else random.SystemRandom().randrange(2**31)


@_guard
def cmd_quiz(args: argparse.Namespace, io: IO) -> int:
    """Practise: by lab, concept or domain; new, wrong or due questions; review mode."""
    questions = _selected(args)
    if args.n < 1:
        raise UsageError("-n must be at least 1")
    with _store(io) as store:
        seen = store.seen()
        if args.new:
            questions = [q for q in questions if q.id not in seen]
        if args.wrong:
            questions = [q for q in questions if q.id in seen and not seen[q.id][1]]
        if args.due:
            due = {d.question_id for d in store.due()}
            questions = [q for q in questions if q.id in due]
        if not questions:
            raise UsageError("no questions match this selection; widen the filters")
        seed = _seed(args)
        items = draw_quiz(questions, args.n, seed)
        attempt = new_attempt("quiz", questions, items, seed, review=args.review)
        attempt_id = store.start_attempt(attempt)
        console = _console(args, io, attempt, [])
        console.say(f"Quiz: {len(items)} questions (seed {seed}). Type 'quit' to stop.")
        result = run_quiz(console, store, attempt_id, attempt)
    payload = {"kind": "quiz", "attempt_id": attempt_id, "seed": seed, **result}
    payload["questions"] = len(items)
    if args.json:
        io.stdout.write(json.dumps(payload) + "\n")
    return 0


@_guard
def cmd_exam(args: argparse.Namespace, io: IO) -> int:
    """The timed exam: 65 items to the exam guide's domain weights, one final submit."""
    with _store(io) as store:
        found = store.in_progress("exam")
        notes: list[str] = []
        if args.resume:
            if found is None:
                raise UsageError("no exam in progress to resume; start one with `lablib exam`")
            attempt_id, attempt = found
            notes.append(_bank_changes(args, attempt))
        else:
            if found is not None:
                notes.append(
                    f"Note: exam attempt {store.attempt_number(found[0])} is still saved; "
                    "--resume continues it."
                )
            bank = _bank(args)
            seed = _seed(args)
            try:
                items, warnings = draw_exam(bank.questions, args.exam, seed)
            except ValueError as exc:
                raise UsageError(str(exc)) from exc
            notes += [f"warning: {w}" for w in dict.fromkeys(warnings)]
            attempt = new_attempt(
                "exam", bank.questions, items, seed, exam=args.exam, minutes=args.minutes
            )
            attempt_id = store.start_attempt(attempt)
        for note in filter(None, notes):
            io.stderr.write(note + "\n")
        console = _console(args, io, attempt, ["goto 1"])
        limit = f"{clock_text(attempt.seconds_left)} left" if attempt.time_limit else "untimed"
        console.say(
            f"Exam {attempt.exam}, attempt {store.attempt_number(attempt_id)}: "
            f"{len(attempt.items)} items, {limit}, "
            f"seed {attempt.seed}. Pass mark {PASS_MARK} of 1000."
        )
        session = ExamSession(
            console, store, attempt_id, attempt, eof_submits=args.answers is not None
        )
        outcome = session.run()
        payload: dict[str, Any] = {
            "kind": "exam",
            "exam": attempt.exam,
            "attempt_id": attempt_id,
            "seed": attempt.seed,
            "status": outcome.status,
            "items": len(attempt.items),
            "answered": len(attempt.items) - len(attempt.unanswered()),
            "flagged": sorted(i + 1 for i in attempt.flagged),
            "seconds_left": round(attempt.seconds_left, 1),
        }
        if outcome.status == "submitted":
            result = attempt.result()
            missed = [it.qid for i, it in enumerate(attempt.items) if not attempt.correct(i)]
            payload.update(
                timed_out=outcome.timed_out,
                scaled=result.scaled,
                passed=result.passed,
                correct=result.correct,
                scored=result.scored,
                domains=[asdict(d) for d in result.domains],
                missed=missed,
            )
            store.finish_attempt(attempt_id, attempt, payload)
            _report(console, attempt, payload)
    if args.json:
        io.stdout.write(json.dumps(payload) + "\n")
    return 130 if outcome.interrupted else 0


def _bank_changes(args: argparse.Namespace, attempt: Attempt) -> str:
    try:
        bank = _bank(args)
    except (BankError, SyllabusError):
        return "Note: the bank does not load now; the attempt uses the questions it started with."
    changed = [qid for qid, q in attempt.questions.items() if bank.get(qid) != q]
    if not changed:
        return ""
    return (
        f"Note: {len(changed)} question(s) changed in the bank since this attempt began; "
        "it keeps the versions it started with."
    )


def _report(console: Console, attempt: Attempt, payload: dict[str, Any]) -> None:
    verdict = "PASS" if payload["passed"] else "FAIL"
    console.say()
    console.say(
        f"Exam {attempt.exam} submitted" + (" (time ran out)." if payload["timed_out"] else ".")
    )
    console.say(f"Scaled score: {payload['scaled']} of 1000 (pass mark {PASS_MARK}): {verdict}")
    console.say("Domain report:")
    for d in payload["domains"]:
        console.say(f"  {d['title']:<42} {d['band']}")
    if payload["missed"]:
        console.say(f"{len(payload['missed'])} item(s) missed; they return in `lablib quiz due`:")
        for qid in payload["missed"][:10]:
            console.say(f"  {qid}  {see_it_run(attempt.questions[qid])}")
        if len(payload["missed"]) > 10:
            more = len(payload["missed"]) - 10
            console.say(f"  ... and {more} more; retest them with `lablib quiz --wrong`.")
