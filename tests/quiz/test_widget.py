"""The notebook quiz: text fallback, feedback, running score, lazy ipywidgets import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lablib.quiz.progress import ProgressStore
from lablib.quiz.widget import quiz_widget


def test_text_fallback_hides_answers_in_details(bank_dir: Path) -> None:
    quiz = quiz_widget("lambda-invocation", bank_dir=bank_dir, record=False)
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
    bundle = quiz_widget("lambda-invocation", bank_dir=bank_dir, record=False)._repr_mimebundle_()
    assert bundle["text/plain"].startswith("Quiz: lambda-invocation")
    assert "<details>" in bundle["text/markdown"]
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]


def test_check_gives_feedback_and_running_score(bank_dir: Path) -> None:
    quiz = quiz_widget("lambda-invocation", bank_dir=bank_dir, record=False)
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
    quiz = quiz_widget("lambda-invocation", bank_dir=bank_dir)
    view = quiz.view()
    boxes = view.children[1:-1]
    assert len(boxes) == 5
    single = boxes[0]
    radio, button, feedback = single.children[1], single.children[2], single.children[3]
    radio.value = "b"
    button.click()
    assert "Right." in feedback.value and "202 at once" in feedback.value
    multiple = boxes[1]
    for box in multiple.children[1].children[:2]:
        box.value = True
    multiple.children[2].click()
    assert "Right." in multiple.children[3].value
    ordering = boxes[4]
    assert "Lambda creates the execution environment" in ordering.children[1].value
    ordering.children[2].value = "a b c"
    ordering.children[3].click()
    assert "Not quite" in ordering.children[4].value
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
    (output,) = nb.cells[0].outputs
    assert output["output_type"] == "execute_result"
    data = output["data"]
    assert "model_id" in data["application/vnd.jupyter.widget-view+json"]
    assert "<details><summary>Answer</summary>" in data["text/markdown"]
    assert data["text/plain"].startswith("Quiz: lambda-invocation (5 questions; answers hidden)")
