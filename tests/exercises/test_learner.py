"""The learner-version generator: solution regions become stubs, bad regions are reported."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from lablib.exercises.learner import LearnerError, main, make_learner, strip_source

SOURCE = """import time
def handler(event, context):
    done = []
    # BEGIN SOLUTION
    while context.get_remaining_time_in_millis() > 400:
        done.append(1)
    # END SOLUTION
    return done"""


def test_default_stub_keeps_indentation_and_names_the_exercise() -> None:
    out, regions, top_level = strip_source(SOURCE, "Stop in time")
    assert regions == 1 and not top_level
    assert "get_remaining_time" not in out and "SOLUTION" not in out
    assert "    raise NotImplementedError('Exercise: Stop in time')" in out.splitlines()
    assert out.splitlines()[-1] == "    return done"


def test_custom_stub_line() -> None:
    source = (
        "# BEGIN SOLUTION stub: ANSWER = ...  # your pick\nANSWER = 256\n# END SOLUTION\nprint(1)"
    )
    out, regions, top_level = strip_source(source, "x")
    assert out == "ANSWER = ...  # your pick\nprint(1)" and regions == 1 and not top_level


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("# BEGIN SOLUTION\nx = 1", "line 1: '# BEGIN SOLUTION' is never closed"),
        ("x = 1\n# END SOLUTION", "line 2: '# END SOLUTION' without a BEGIN"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "line 2: '# BEGIN SOLUTION' inside"),
    ],
)
def test_malformed_regions_say_where(source: str, message: str) -> None:
    with pytest.raises(LearnerError, match=message.replace("(", r"\(")):
        strip_source(source, "x", "lab.ipynb: cell 3")


def notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## Exercise 1: Pick a size"),
        nbformat.v4.new_code_cell("# BEGIN SOLUTION\nSIZE = 512\n# END SOLUTION"),
        nbformat.v4.new_code_cell("print(SIZE)"),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="512\n")]
    path = tmp_path / "01-demo.ipynb"
    nbformat.write(nb, path)
    return path


def test_make_learner_writes_stubbed_notebook(tmp_path: Path) -> None:
    result = make_learner(notebook(tmp_path), tmp_path / "out")
    assert (result.regions, result.cells) == (1, 1)
    nb = nbformat.read(result.path, as_version=4)
    assert nb.cells[1].source == "raise NotImplementedError('Exercise: Pick a size')"
    assert nb.cells[1].metadata["tags"] == ["raises-exception"]  # nbval/nbclient carry on
    assert nb.cells[2].outputs == [] and nb.metadata["lablib"]["learner"] is True


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = notebook(tmp_path)
    assert main([str(path), "--out", str(tmp_path / "cli")]) == 0
    assert "1 solution region(s)" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.ipynb"), "--out", str(tmp_path)]) == 2
    assert "no notebook" in capsys.readouterr().out


def test_cli_copies_the_labs_conftest(tmp_path: Path) -> None:
    path = notebook(tmp_path)
    (tmp_path / "conftest.py").write_text("# nbval settings\n")
    assert main([str(path), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "conftest.py").read_text() == "# nbval settings\n"
