"""The form metrics of ``lablib quiz check`` on small hand-made banks."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml

from lablib.quiz.commands import IO, run
from lablib.quiz.form import (
    form_failures,
    form_report,
    form_stats,
    is_scenario,
    keyed_is_longest,
    longest_guess,
    near_duplicates,
    run_guesser,
)
from lablib.quiz.rng import Mulberry32
from lablib.quiz.schema import DOMAINS, Question

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = (
    "A developer runs an order service on Lambda behind API Gateway. During a sale the function "
    "times out while it waits for a slow payment provider. Which change fixes this with the "
    "LEAST operational overhead?"
)


def q(
    qid: str,
    options: dict[str, str],
    answer: str | tuple[str, ...],
    *,
    stem: str = "Which option is right?",
    domain: str = "dva.development",
    file: str = "quizzes/a.yaml",
) -> Question:
    return Question(
        id=qid,
        lab="lambda-invocation",
        concepts=("lambda.function-model",),
        domains=(domain,),
        type="single" if isinstance(answer, str) else "multiple",
        difficulty=2,
        stem=stem,
        answer=answer,
        options=options,
        file=file,
    )


def test_keyed_longest_counts_ties_as_longest() -> None:
    assert keyed_is_longest(q("x-1", {"a": "long answer", "b": "short"}, "a"))
    assert keyed_is_longest(q("x-2", {"a": "same", "b": "four"}, "b"))
    assert not keyed_is_longest(q("x-3", {"a": "short", "b": "a longer one"}, "a"))


def test_scenario_needs_an_actor_context_and_length() -> None:
    assert is_scenario(SCENARIO)
    assert not is_scenario("Which TWO statements about a Lambda function are true? (Choose two.)")
    # long but a single sentence with no context
    assert not is_scenario(" ".join(["word"] * 40) + "?")


def test_form_stats_per_group() -> None:
    qs = [
        q("x-1", {"a": "the longest option here", "b": "short", "c": "tiny", "d": "s"}, "a"),
        q("x-2", {"a": "short", "b": "the longest option here", "c": "x", "d": "y"}, "a"),
        q("x-3", {"a": "aa", "b": "bb", "c": "the key", "d": "dd"}, "c", stem=SCENARIO),
        q(
            "x-4",
            {"a": "one", "b": "two", "c": "three", "d": "four"},
            ("b", "d"),
            domain="dva.security",
        ),
    ]
    st = form_stats("g", qs)
    assert (st.single, st.keyed_longest) == (3, 2)
    assert st.keyed_longest_rate == pytest.approx(2 / 3)
    assert st.positions == {"a": 2, "c": 1, "b": 1, "d": 1}
    assert st.position_shares()["a"] == pytest.approx(0.4)
    assert (st.choice, st.scenarios) == (4, 1)
    assert st.median_stem_words == 4.0  # 4, 4, 4 and the long scenario
    assert st.dva == {"dva.development": 3, "dva.security": 1}
    assert st.domain_gaps()["dva.development"] == pytest.approx(0.75 - 0.32)


def test_near_duplicates_find_one_fact_asked_twice() -> None:
    a = q(
        "x-1",
        {"a": "900 seconds", "b": "300 seconds"},
        "a",
        stem="What is the maximum timeout of a Lambda function?",
    )
    b = q(
        "x-2",
        {"a": "300 seconds", "b": "900 seconds"},
        "b",
        stem="What maximum timeout can a Lambda function have?",
    )
    c = q(
        "x-3",
        {"a": "ReportBatchItemFailures", "b": "a DLQ"},
        "a",
        stem="Which setting lets an SQS batch retry only the failed messages?",
    )
    pairs = near_duplicates([a, b, c])
    assert [(x, y) for x, y, _ in pairs] == [("x-1", "x-2")]


def test_longest_guess_picks_the_longest_or_the_k_longest() -> None:
    rng = Mulberry32(1)
    single = q("x-1", {"a": "s", "b": "the longest", "c": "mid len"}, "a")
    assert longest_guess(single, rng) == "b"
    multi = q("x-2", {"a": "s", "b": "the longest", "c": "mid len", "d": "m"}, ("a", "d"))
    assert longest_guess(multi, rng) == ("b", "c")
    tied = q("x-3", {"a": "same", "b": "same", "c": "x"}, "a")
    assert {longest_guess(tied, rng) for _ in range(40)} == {"a", "b"}


def exam_bank(key_longest: bool) -> list[Question]:
    """80 single-answer questions per DVA domain; the key is the longest option, or of middle
    length (neither longest nor shortest)."""
    out = []
    for i in range(320):
        key = "abcd"[i % 4]
        if key_longest:
            options = {k: f"distractor {k} text" for k in "abcd"}
            options[key] = "the keyed option, much longer"
        else:  # the key is neither the longest nor the shortest option
            others = [k for k in "abcd" if k != key]
            options = {key: "the keyed answer"}
            options[others[0]] = "short one"
            options[others[1]] = "a somewhat longer distractor"
            options[others[2]] = "middling option"
            options = dict(sorted(options.items()))
        domain = list(DOMAINS)[i % 4]
        out.append(q(f"x-{i:03d}", options, key, domain=domain, file=f"quizzes/f{i % 2}.yaml"))
    return out


def test_guesser_passes_when_the_key_is_longest_and_fails_otherwise() -> None:
    assert run_guesser(exam_bank(True), "DVA-C02", 20).pass_rate == 1.0
    fails = run_guesser(exam_bank(False), "DVA-C02", 20)
    assert fails.passed == 0 and fails.mean_scaled == 100
    short = run_guesser(exam_bank(False), "DVA-C02", 20, shortest=True)
    assert (short.strategy, short.passed, short.mean_scaled) == ("shortest", 0, 100)


def test_a_reversed_cue_fails_too() -> None:
    qs = [
        q(f"x-{i}", {"a": "key", "b": "a longer distractor", "c": "another longer one"}, "a")
        for i in range(20)
    ]
    st = form_stats("g", qs)
    assert (st.keyed_longest_rate, st.keyed_shortest_rate) == (0.0, 1.0)
    bad = form_failures(form_report(qs, exams=0))
    assert bad == [
        "the keyed option is the shortest in 100% of single-answer questions (limit 35%): "
        "the cue is reversed, not gone; even out lengths"
    ]
    assert form_failures(form_report(qs[:19], exams=0)) == []  # too few to judge a rate


def test_failures_name_both_thresholds() -> None:
    bad = form_failures(form_report(exam_bank(True), exams=10))
    assert len(bad) == 2
    assert "longest in 100% of single-answer questions (limit 35%)" in bad[0]
    assert "passes 100.0% of 10 drawn DVA-C02 exams (limit 2%" in bad[1]
    report = form_report(exam_bank(False), exams=10)
    assert form_failures(report) == []
    assert [f.name for f in report.files] == ["quizzes/f0.yaml", "quizzes/f1.yaml"]


def write_bank(path: Path, key_longest: bool) -> Path:
    path.mkdir()
    shutil.copy(ROOT / "quizzes" / "concepts.yaml", path / "concepts.yaml")
    items = []
    for qn in exam_bank(key_longest):
        items.append(
            {
                "id": "li-" + qn.id,
                "concepts": list(qn.concepts),
                "domains": list(qn.domains),
                "type": "single",
                "difficulty": 2,
                "stem": f"Question {qn.id}: which option is right?",
                "options": qn.options,
                "answer": qn.answer,
                "explanations": {k: f"why {k}" for k in qn.options},
                "source": "original",
            }
        )
    text = yaml.safe_dump({"lab": "lambda-invocation", "questions": items}, sort_keys=False)
    (path / "lambda-invocation.yaml").write_text(text)
    return path


def check(bank: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(
        ["quiz", "check", "--bank", str(bank), "--exams", "10"], io=IO(stdout=out, stderr=err)
    )
    return code, out.getvalue(), err.getvalue()


def test_check_fails_with_a_clear_message(tmp_path: Path) -> None:
    code, out, err = check(write_bank(tmp_path / "q", True))
    assert code == 1
    assert "Keyed option is the longest: 320/320" in out
    assert "Key positions: a 25.0%, b 25.0%, c 25.0%, d 25.0%" in out
    assert "FAIL: the form of the bank gives answers away" in err
    assert "'longest option' guesser passes 100.0% of 10 drawn DVA-C02 exams" in err


def test_check_passes_a_bank_of_good_form(tmp_path: Path) -> None:
    code, out, err = check(write_bank(tmp_path / "q", False))
    assert (code, err) == (0, "")
    assert "Keyed option is the longest: 0/320" in out
    assert "Keyed option is the shortest: 0/320" in out
    assert "'Shortest option' guesser, DVA-C02: passes 0/10" in out
    assert "'Longest option' guesser, DVA-C02: passes 0/10" in out
    assert "OK: schema and form thresholds pass." in out
