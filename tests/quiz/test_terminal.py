"""The terminal quiz and exam driven end to end through text streams."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from lablib.quiz.bank import load_bank
from lablib.quiz.exam import draw_exam
from lablib.quiz.progress import ProgressStore


def answer_key(bank_dir: Path) -> dict:
    out = {}
    for q in load_bank(bank_dir).questions:
        a = q.answer
        out[q.id] = a.value if q.type == "numeric" else (list(a) if isinstance(a, tuple) else a)
    return out


class ScriptedStdin(io.TextIOBase):
    """Lines typed by a learner, each taking ``pace`` seconds; then Ctrl-C (or EOF)."""

    def __init__(self, lines, clock, pace=60.0, then=KeyboardInterrupt):
        self.lines, self.clock, self.pace, self.then = list(lines), clock, pace, then

    def readline(self, size=-1):
        if not self.lines:
            if self.then is EOFError:
                return ""
            raise self.then
        self.clock.advance(self.pace)
        return self.lines.pop(0) + "\n"


def test_full_exam_from_answer_key_scores_1000(exam_bank_dir: Path, cli, home: Path) -> None:
    key = json.dumps(answer_key(exam_bank_dir))
    res = cli(
        "exam", "--bank", str(exam_bank_dir), "--seed", "11", "--answers", "-", "--json", stdin=key
    )
    assert res.code == 0, res.err
    result = json.loads(res.out)
    assert result["status"] == "submitted"
    assert (result["items"], result["answered"], result["scored"]) == (65, 65, 50)
    assert (result["correct"], result["scaled"], result["passed"]) == (50, 1000, True)
    assert [d["band"] for d in result["domains"]] == ["meets"] * 4
    assert sum(d["total"] for d in result["domains"]) == 50
    assert result["missed"] == []
    with ProgressStore(home) as store:
        history = store.history()
        assert history[0]["status"] == "submitted" and history[0]["result"]["scaled"] == 1000
        assert store.in_progress() is None


def test_wrong_answers_fail_with_bands(exam_bank_dir: Path, cli) -> None:
    wrong = {qid: "b" for qid in answer_key(exam_bank_dir)}
    res = cli(
        "exam",
        "--bank",
        str(exam_bank_dir),
        "--seed",
        "3",
        "--answers",
        "-",
        stdin=json.dumps(wrong),
    )
    assert res.code == 0
    assert "Scaled score: 100 of 1000 (pass mark 720): FAIL" in res.out
    assert "  Development with AWS Services              needs work" in res.out
    assert "65 item(s) missed; they return in `lablib quiz due`" in res.out


def test_interrupted_exam_resumes_with_time_left(exam_bank_dir: Path, cli, clock) -> None:
    bank = load_bank(exam_bank_dir)
    items, _ = draw_exam(bank.questions, "DVA-C02", 5)
    right = [it.key_labels()["a"] for it in items[:3]]  # generated questions: key a is right
    typed = [right[0], "flag", right[1], right[2]]
    stdin = ScriptedStdin(typed, clock, pace=60.0)
    first = cli("exam", "--bank", str(exam_bank_dir), "--seed", "5", stdin=stdin)
    assert first.code == 130
    assert "Interrupted: exam saved. Resume with `lablib exam --resume`." in first.out
    assert "time left 2:10:00" in first.out and "time left 2:07:00" in first.out

    clock.advance(3600)  # the terminal was closed for an hour: the exam clock did not run
    rest = {
        k: v for k, v in answer_key(exam_bank_dir).items() if k not in {i.qid for i in items[:3]}
    }
    second = cli(
        "exam",
        "--resume",
        "--bank",
        str(exam_bank_dir),
        "--answers",
        "-",
        "--json",
        stdin=json.dumps(rest),
    )
    assert second.code == 0, second.err
    result = json.loads(second.out)
    assert result["seed"] == 5 and result["status"] == "submitted"
    assert result["flagged"] == [2]
    assert result["scaled"] == 1000  # the three answers typed before Ctrl-C were kept
    assert result["seconds_left"] == 7800 - 4 * 60


def test_closed_terminal_saves_then_resume_interactively(exam_bank_dir: Path, cli, clock) -> None:
    stdin = ScriptedStdin(["b", "goto 40"], clock, pace=10, then=EOFError)
    first = cli("exam", "--bank", str(exam_bank_dir), "--seed", "9", "--minutes", "30", stdin=stdin)
    assert first.code == 0 and "Saved. Resume with `lablib exam --resume`." in first.out
    assert "Item 40 of 65" in first.out
    stdin = ScriptedStdin(["sheet", "submit", "yes"], clock, pace=10)
    second = cli("exam", "--resume", "--bank", str(exam_bank_dir), stdin=stdin)
    assert "Item 40 of 65" in second.out.split("\n\n")[1]
    assert "Answer sheet: 1 answered, 64 unanswered, 0 flagged (*)" in second.out
    assert "64 unanswered and 0 flagged items. Submit now?" in second.out
    assert "Exam DVA-C02 submitted." in second.out
    assert "65 items, 0:29:40 left" in second.out


def test_time_running_out_submits(exam_bank_dir: Path, cli, clock) -> None:
    stdin = ScriptedStdin(["a", "a", "a"], clock, pace=50 * 60)
    res = cli("exam", "--bank", str(exam_bank_dir), "--seed", "1", "--json", stdin=stdin)
    result = json.loads(res.out)
    assert result["status"] == "submitted" and result["timed_out"] is True
    assert result["answered"] == 2  # the third answer came after 130 minutes
    assert result["seconds_left"] == 0


def test_answer_lines_file_with_navigation(exam_bank_dir: Path, cli, tmp_path: Path) -> None:
    script = tmp_path / "answers.txt"
    script.write_text("flag\nA\n\nzz\nA,B\ngoto 65\nprev\nB\nsubmit\nno\n")
    res = cli(
        "exam", "--bank", str(exam_bank_dir), "--seed", "2", "--answers", str(script), "--json"
    )
    result = json.loads(res.out)
    assert result["flagged"] == [1]
    assert result["answered"] == 2  # 'A' on item 1, 'B' on item 64; 'A,B' refused (one answer)
    assert result["status"] == "submitted"  # end of file submits


def test_resume_without_saved_exam(exam_bank_dir: Path, cli) -> None:
    res = cli("exam", "--resume", "--bank", str(exam_bank_dir))
    assert res.code == 1
    assert "error: no exam in progress to resume; start one with `lablib exam`" in res.err


def test_bank_edited_mid_attempt_keeps_the_snapshot(exam_bank_dir: Path, cli, clock) -> None:
    cli("exam", "--bank", str(exam_bank_dir), "--seed", "4", stdin=ScriptedStdin(["quit"], clock))
    path = exam_bank_dir / "lambda-invocation.yaml"
    data = yaml.safe_load(path.read_text())
    for q in data["questions"]:
        q["answer"] = "b"  # somebody rewrote every answer while the exam was saved
        q["explanations"]["b"] = "now right"
    path.write_text(yaml.safe_dump(data))
    old_key = {q["id"]: "a" for q in data["questions"]}
    res = cli(
        "exam",
        "--resume",
        "--bank",
        str(exam_bank_dir),
        "--answers",
        "-",
        "--json",
        stdin=json.dumps(old_key),
    )
    assert "Note: 65 question(s) changed in the bank since this attempt began" in res.err
    assert json.loads(res.out)["scaled"] == 1000


def test_bad_answers_input_is_explained(exam_bank_dir: Path, cli) -> None:
    res = cli("exam", "--bank", str(exam_bank_dir), "--answers", "-", stdin="{not json")
    assert res.code == 1 and "looks like JSON but line 1" in res.err
    some = next(iter(answer_key(exam_bank_dir)))
    key = {q: "z" for q in answer_key(exam_bank_dir)}
    res = cli(
        "exam", "--bank", str(exam_bank_dir), "--seed", "1", "--answers", "-", stdin=json.dumps(key)
    )
    assert res.code == 1 and "--answers: question li-gen-" in res.err and "use bank keys" in res.err
    assert some.startswith("li-gen-")
    res = cli("exam", "--bank", str(exam_bank_dir), "--answers", "/nonexistent/answers.txt")
    assert res.code == 1 and "cannot read it" in res.err


def test_quiz_review_mode_and_spaced_repetition(bank_dir: Path, cli, clock, home: Path) -> None:
    answers = answer_key(bank_dir)
    answers["li-fix-async-status"] = "a"  # wrong
    answers["li-fix-max-timeout"] = 300  # wrong
    res = cli(
        "quiz",
        "--bank",
        str(bank_dir),
        "--review",
        "--seed",
        "1",
        "--answers",
        "-",
        "--json",
        stdin=json.dumps(answers),
    )
    result = json.loads(res.out)
    assert (result["answered"], result["correct"]) == (5, 3)
    assert sorted(result["missed"]) == ["li-fix-async-status", "li-fix-max-timeout"]

    shown = cli(
        "quiz",
        "--bank",
        str(bank_dir),
        "--review",
        "--seed",
        "1",
        "--lab",
        "lambda-invocation",
        "-n",
        "5",
        "--answers",
        "-",
        stdin=json.dumps(answers),
    )
    assert "Right: the event is queued and Lambda answers 202 at once." in shown.out
    assert "Wrong: 200 with the payload is the synchronous (RequestResponse) reply." in shown.out
    assert "See it run: labs/01-lambda-invocation.ipynb, Step " in shown.out
    assert "(notes: site/labs/lambda-invocation/notes.md#invocation-types)" in shown.out
    assert "The maximum is 900 seconds (15 minutes)" in shown.out

    assert "Nothing is due now." in cli("quiz", "due", "--bank", str(bank_dir)).out
    clock.advance(600)
    due = cli("quiz", "due", "--bank", str(bank_dir)).out
    assert "2 question(s) due now (practise: `lablib quiz --due`):" in due
    assert "li-fix-async-status" in due
    assert "See it run: labs/01-lambda-invocation.ipynb, Step " in due
    assert "notes: site/labs/lambda-invocation/notes.md#invocation-types" in due

    retest = cli(
        "quiz",
        "--bank",
        str(bank_dir),
        "--due",
        "--answers",
        "-",
        "--json",
        stdin=json.dumps(answer_key(bank_dir)),
    )
    assert json.loads(retest.out)["correct"] == 2
    assert json.loads(retest.out)["questions"] == 2
    wrong = cli("quiz", "--bank", str(bank_dir), "--wrong")
    assert wrong.code == 1 and "no questions match this selection" in wrong.err
    new = cli("quiz", "--bank", str(bank_dir), "--new")
    assert new.code == 1


def test_quiz_interactive_feedback(bank_dir: Path, cli) -> None:
    res = cli(
        "quiz", "--bank", str(bank_dir), "--concept", "lambda.timeouts", stdin="fifteen\n900 s\n"
    )
    assert "answer with a number, e.g. 900" in res.out
    assert "Right." in res.out and "Score: 1 of 1 answered" in res.out
    res = cli("quiz", "--bank", str(bank_dir), "--domain", "saa.resilient", stdin="quit\n")
    assert "Score: 0 of 0 answered (stopped early)" in res.out
    res = cli("quiz", "--bank", str(bank_dir), "--lab", "nope")
    assert (
        res.code == 1
        and "unknown lab 'nope'; use a number or an id: 01 lambda-invocation" in res.err
    )
    # labs by the numbers the README gives them, or by notebook name
    for name in ("01", "1", "01-lambda-invocation"):
        res = cli("quiz", "--bank", str(bank_dir), "--lab", name, stdin="quit\n")
        assert res.code == 0, res.err


def test_registered_in_the_lablib_command(bank_dir: Path, home: Path, capsys) -> None:
    from lablib.cli import main

    assert main(["quiz", "check", "--bank", str(bank_dir)]) == 0
    assert "Schema: 5 questions" in capsys.readouterr().out
    assert main(["quiz", "stats", "--bank", str(bank_dir)]) == 0
    assert "By concept:" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["exam", "--exam", "ABC-C01"])
    assert "invalid choice: 'ABC-C01'" in capsys.readouterr().err
