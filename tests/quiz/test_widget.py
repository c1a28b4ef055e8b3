"""The notebook quiz: text fallback, feedback, running score, lazy ipywidgets import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lablib.quiz.progress import ProgressStore
from lablib.quiz.widget import quiz_widget


def test_text_fallback_hides_answers_in_details(bank_dir: Path) -> None:
    quiz = quiz_widget("lambda-invocation", bank_dir=bank_dir, record=False, seed=None)
    md = quiz._repr_markdown_()
    assert md.startswith("### Quiz: lambda-invocation (5 questions)")
    assert "**1.** A caller invokes a function with InvocationType=Event. Which status code" in md
    assert "- **b)** 202 with an empty body" in md
    visible = md.split("<details>")[0]
    assert "Right:" not in visible  # no answer before the first fold
    assert md.count("<details><summary>Answer</summary>") == 5 == md.count("</details>")
    answer_block = md.split("<details><summary>Answer</summary>")[1].split("</details>")[0]
    assert "**Answer:** b) 202 with an empty body" in answer_block
    assert "Right: the event is queued" in answer_block
    text = repr(quiz)
    assert text.startswith("Quiz: lambda-invocation (5 questions; answers hidden)")
    assert "Right:" not in text and "   c) 204 with an empty body" in text


def test_mimebundle_has_text_and_widget(bank_dir: Path) -> None:
    bundle = quiz_widget(
        "lambda-invocation", bank_dir=bank_dir, record=False, seed=None
    )._repr_mimebundle_()
    assert bundle["text/plain"].startswith("Quiz: lambda-invocation")
    assert "<details>" in bundle["text/markdown"]
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]


def test_check_gives_feedback_and_running_score(bank_dir: Path) -> None:
    quiz = quiz_widget("lambda-invocation", bank_dir=bank_dir, record=False, seed=None)
    ok, text = quiz.check("li-fix-async-status", "a")
    assert not ok
    assert "Not quite" in text and "Wrong: 200 with the payload" in text
    assert "<b>Answer:</b> b) 202 with an empty body" in text
    assert "See it run:</i> lambda-invocation#invocation-types" in text
    ok, _ = quiz.check("li-fix-async-status", "b")  # a second try does not change the score
    assert ok and quiz.score == (0, 1)
    assert quiz.check("li-fix-metrics-two", "b, a")[0] and quiz.score == (1, 2)
    with pytest.raises(ValueError, match="answer with a number"):
        quiz.check("li-fix-max-timeout", "lots")


def test_clicking_check_in_the_widget(bank_dir: Path, home: Path) -> None:
    quiz = quiz_widget("lambda-invocation", bank_dir=bank_dir, seed=None)
    view = quiz.view()
    boxes = view.children[1:-1]
    assert len(boxes) == 5
    single = boxes[0]
    radio, button, feedback = single.children[1], single.children[2], single.children[3]
    assert "<code>" in single.children[0].value or "<b>1.</b>" in single.children[0].value
    radio.value = "b"
    button.click()
    assert "Right." in feedback.value and "202 at once" in feedback.value
    multiple = boxes[1]
    for box in multiple.children[1].children[:2]:
        box.value = True
    multiple.children[2].click()
    assert "Right." in multiple.children[3].value
    ordering = boxes[4]
    assert "Lambda creates the execution environment" in ordering.children[0].value
    ordering.children[1].value = "a b c"
    ordering.children[2].click()
    assert "Not quite" in ordering.children[3].value
    numeric = boxes[2]
    numeric.children[1].value = "many"
    numeric.children[2].click()
    assert "answer with a number" in numeric.children[3].value
    assert "2 of 3 right first time (5 total)" in view.children[-1].value
    with ProgressStore(home) as store:  # first tries are remembered for spaced repetition
        assert store.seen() == {
            "li-fix-async-status": (1, True),
            "li-fix-metrics-two": (1, True),
            "li-fix-cold-start-order": (1, False),
        }


def test_unknown_or_empty_lab(bank_dir: Path) -> None:
    with pytest.raises(ValueError, match="no questions for lab 'step-functions' yet"):
        quiz_widget("step-functions", bank_dir=bank_dir)
    with pytest.raises(ValueError, match="unknown lab 'nope'"):
        quiz_widget("nope", bank_dir=bank_dir)


def test_ipywidgets_is_imported_lazily(bank_dir: Path) -> None:
    code = (
        "import sys; from lablib.quiz.widget import quiz_widget;"
        f"q = quiz_widget('lambda-invocation', bank_dir={str(bank_dir)!r}, record=False);"
        "q._repr_markdown_(); repr(q);"
        "print('ipywidgets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_displays_as_a_widget_in_a_real_kernel(bank_dir: Path, tmp_path: Path) -> None:
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    code = (
        "from lablib.quiz.widget import quiz_widget\n"
        f"quiz_widget('lambda-invocation', bank_dir={str(bank_dir)!r}, record=False)"
    )
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute(cwd=str(tmp_path))
    outputs = nb.cells[0].outputs
    kinds = [
        "widget" if "application/vnd.jupyter.widget-view+json" in o["data"] else "text"
        for o in outputs
    ]
    # a header, then per question its text (readable without a kernel) and its controls
    assert kinds == ["text"] + ["text", "widget"] * 5 + ["widget"], kinds
    texts = [o["data"] for o in outputs if "text/html" in o["data"]]
    assert "Quiz: lambda-invocation (5 questions)" in texts[0]["text/html"]
    assert all("<b>a)</b>" in t["text/html"] or "Type" in t["text/html"] for t in texts[1:])
    assert all(t["text/plain"].strip() for t in texts)
    assert not any("Answer" in t["text/html"] for t in texts)  # answers come from Check


def test_options_are_shown_in_a_seeded_order_and_graded_in_it(bank_dir: Path, home: Path) -> None:
    plain = quiz_widget("lambda-invocation", bank_dir=bank_dir, record=False, seed=None)
    orders = {
        seed: [
            tuple(q.options.values())
            for q in quiz_widget(
                "lambda-invocation", bank_dir=bank_dir, record=False, seed=seed
            ).questions
        ]
        for seed in range(1, 6)
    }
    assert len({tuple(o) for o in orders.values()}) > 1  # seeds differ
    again = quiz_widget("lambda-invocation", bank_dir=bank_dir, record=False, seed=3)
    assert [tuple(q.options.values()) for q in again.questions] == orders[3]  # deterministic
    quiz = quiz_widget("lambda-invocation", bank_dir=bank_dir, seed=3)
    shown = next(q for q in quiz.questions if q.id == "li-fix-async-status")
    bank = next(q for q in plain.questions if q.id == "li-fix-async-status")
    assert sorted(shown.options.values()) == sorted(bank.options.values())
    right = next(k for k, t in shown.options.items() if t == bank.options["b"])
    ok, text = quiz.check("li-fix-async-status", right)
    assert ok and f"<b>{right})</b>" in text
    assert shown.explanations[right] == bank.explanations["b"]
    with ProgressStore(home) as store:  # recorded in bank keys, whatever was shown
        assert store.seen() == {"li-fix-async-status": (1, True)}


def test_question_text_renders_markdown_marks_as_the_site_does() -> None:
    from lablib.quiz.widget import inline_html

    assert inline_html("Edit `app.py` so **only** *one* handler <runs>") == (
        "Edit <code>app.py</code> so <b>only</b> <i>one</i> handler &lt;runs&gt;"
    )
    assert inline_html("`a*b*c` and 2 * 3 * 4") == "<code>a*b*c</code> and 2 * 3 * 4"
