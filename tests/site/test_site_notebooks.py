"""Rendering lab notebooks into pages: discovery by name, cell tags, outputs, bad input."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from site_support import FIXTURES

from lablib.site.catalog import LAB_IDS
from lablib.site.notebooks import NotebookError, coming_soon, find_notebook, render_notebook

Cell = dict[str, Any]


def new_markdown_cell(source: str) -> Cell:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def new_code_cell(source: str, metadata: dict[str, Any] | None = None) -> Cell:
    return {
        "cell_type": "code",
        "metadata": metadata or {},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def _write(path: Path, cells: list[Cell]) -> Path:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_find_notebook_by_lab_id_then_by_number(tmp_path: Path) -> None:
    assert find_notebook(tmp_path, LAB_IDS, "api-gateway") is None
    exact = _write(tmp_path / "03-api-gateway.ipynb", [])
    other = _write(tmp_path / "02-events.ipynb", [])
    assert find_notebook(tmp_path, LAB_IDS, "api-gateway") == exact
    assert find_notebook(tmp_path, LAB_IDS, "event-sources") == other
    assert find_notebook(tmp_path, LAB_IDS, "step-functions") is None


def test_two_notebooks_with_one_number_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path / "05-sfn.ipynb", [])
    _write(tmp_path / "05-states.ipynb", [])
    with pytest.raises(NotebookError, match="05-step-functions.ipynb"):
        find_notebook(tmp_path, LAB_IDS, "step-functions")


def test_committed_notebook_renders_without_running() -> None:
    path = FIXTURES / "labs" / "01-lambda-invocation.ipynb"
    page = render_notebook(path, LAB_IDS).markdown
    assert page.startswith("# Lab 01: fixture notebook\n")
    assert "shown as committed, without outputs" in page
    assert "``` python\ntotal = sum(range(5))" in page
    assert "sum is 10" not in page  # nothing ran
    assert '??? success "Solution"' in page  # the solution cell is folded
    assert "never shown" not in page
    assert "](../event-sources/notebook.md#setup)" in page


def test_outputs_errors_images_and_folds(tmp_path: Path) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 16).decode()
    cell = new_code_cell("1/0", metadata={"tags": ["hint"]})
    trace = ["\x1b[31mZeroDivisionError\x1b[0m: division by zero"]
    cell["outputs"] = [
        {"output_type": "error", "ename": "ZeroDivisionError", "evalue": "x", "traceback": trace}
    ]
    plot = new_code_cell("plot()")
    data = {"image/png": png, "text/plain": "<Figure>"}
    plot["outputs"] = [{"output_type": "display_data", "data": data, "metadata": {}}]
    html = new_code_cell("table()", metadata={"tags": ["remove-input"]})
    data = {"text/html": "<table><tr><td>1</td></tr></table>"}
    html["outputs"] = [
        {"output_type": "execute_result", "data": data, "metadata": {}, "execution_count": 1}
    ]
    path = _write(tmp_path / "01-x.ipynb", [new_markdown_cell("No title here"), cell, plot, html])
    page = render_notebook(path, LAB_IDS).markdown
    assert page.startswith("# Lab notebook\n")
    assert '??? tip "Hint"' in page
    assert '    !!! failure "ZeroDivisionError"' in page
    assert "\x1b" not in page  # ANSI colours stripped
    assert f'src="data:image/png;base64,{png}"' in page
    assert "table()" not in page and "<td>1</td>" in page


def test_unreadable_notebook_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "01-lambda-invocation.ipynb"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(NotebookError, match="01-lambda-invocation.ipynb: not a readable notebook"):
        render_notebook(path, LAB_IDS)


def test_failing_cell_fails_the_executed_render(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "01-lambda-invocation.ipynb", [new_code_cell("raise ValueError('boom')")]
    )
    with pytest.raises(NotebookError, match="a cell failed while executing") as info:
        render_notebook(path, LAB_IDS, execute=True, timeout=120)
    assert "boom" in str(info.value)


def test_coming_soon_page_links_notes_and_quiz() -> None:
    text = coming_soon("step-functions", "Step Functions")
    assert "Coming soon" in text and "(notes.md)" in text
    assert "(../../quizzes/step-functions.md)" in text


def test_quiz_widget_cells_become_links_and_the_page_ends_with_the_quiz(tmp_path: Path) -> None:
    checkpoint = new_code_cell(
        '# Checkpoint, step 2: 3 questions on this step\nquiz_widget("api-gateway", count=3)'
    )
    final = new_code_cell('from lablib.quiz.widget import quiz_widget\nquiz_widget("api-gateway")')
    pasted = {"text/markdown": "**Q1** ...\n\n**Answer:** b) right - a) Wrong: ..."}
    for cell in (checkpoint, final):
        cell["outputs"] = [{"output_type": "display_data", "data": pasted, "metadata": {}}]
    path = _write(
        tmp_path / "03-api-gateway.ipynb",
        [new_markdown_cell("# Lab 03"), checkpoint, new_markdown_cell("## Quiz"), final],
    )
    page = render_notebook(path, LAB_IDS).markdown
    assert "quiz_widget" not in page and "**Answer:**" not in page
    assert "**Checkpoint, step 2:** answer the questions" in page
    assert page.count("](../../quizzes/api-gateway.md)") == 3
    assert page.rstrip().endswith("</div>")
    assert page.rstrip().rsplit("](", 1)[1].startswith("../../quizzes/api-gateway.md)")


def test_exercise_shows_the_stub_and_folds_the_solution(tmp_path: Path) -> None:
    exercise = new_code_cell(
        "def handler(event, context):\n    # BEGIN SOLUTION stub: return None\n"
        "    return event['x'] * 2\n    # END SOLUTION"
    )
    exercise["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "42\n"}]
    path = _write(
        tmp_path / "01-lambda-invocation.ipynb",
        [
            new_markdown_cell(
                "## Exercise 1: Double\n\n<details><summary>Hint</summary>\n\nx</details>"
            ),
            exercise,
        ],
    )
    page = render_notebook(path, LAB_IDS).markdown
    shown, _, folded = page.partition('??? success "Solution"')
    assert "``` python\ndef handler(event, context):\n    return None\n```" in shown
    assert "event['x'] * 2" not in shown and "BEGIN SOLUTION" not in page
    assert "        return event['x'] * 2" in folded and "42" in folded
    assert '<details class="tip" markdown="1"><summary>Hint</summary>' in shown
