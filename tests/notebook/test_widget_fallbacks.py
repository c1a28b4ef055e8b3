"""Widgets leave readable output behind: a notebook reopened without a kernel (or shown on a
page) still reads well, because each widget follows a plain output with the same content."""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat

from tests.labs.nbrun import kernel_env


def test_cost_calculator_shows_its_table_before_the_sliders(tmp_path: Path) -> None:
    kernel_env()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from lablib import notebook as nb\nnb.cost_calculator()")
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute(cwd=str(tmp_path))
    outputs = nb.cells[0].outputs
    assert [o["output_type"] for o in outputs] == ["display_data", "display_data"]
    static, widget = outputs
    assert "application/vnd.jupyter.widget-view+json" not in static["data"]
    assert "Starting values" in static["data"]["text/plain"]
    assert "<pre>" in static["data"]["text/html"] and "$" in static["data"]["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in widget["data"]
