"""Lab 01 as a learner meets it: `lablib lab` (what `make lab` runs), JupyterLab in Debian's
Chromium driven by Playwright, on loopback only.

The learner's copy of lab 01 is opened, Run > Run All Cells runs it in the kernel JupyterLab
started, and the saved notebook on disk shows every code cell executed without an error. A
quiz widget is answered by clicking and shows its feedback; a price (``\\$0.20``) reads as text
while real maths in the same notebook is typeset; the setup cell runs again without an error;
reopened after its kernel is gone, the saved questions and the cost calculator's table still
read; when `lablib lab` stops, none of its processes is left and its port is free.

Execution counts and outputs are read from the saved .ipynb (Ctrl+S), not from the page, and
every wait polls for a state with a generous bound (2 loaded cores). Screenshots go to
test-artifacts/jupyterlab/.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from playwright.sync_api import Page, sync_playwright

from lablib.notebook.workspace import prepare
from tests.jupyterlab.jlab_support import (
    ARTIFACTS,
    LAB,
    MATH_CONTROL,
    TOKEN,
    LabServer,
    start_lablib_lab,
    stop_lablib_lab,
)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def code_cells(path: Path) -> list[Any]:
    nb = json.loads(path.read_text())
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def errors_in(cells: list[Any]) -> list[str]:
    return [
        f"code cell {i}: {o['ename']}: {o['evalue']}"
        for i, cell in enumerate(cells)
        for o in cell.get("outputs", [])
        if o["output_type"] == "error"
    ]


def poll(what: str, check: Callable[[], bool], seconds: float, every: float = 1.0) -> None:
    """Until check() is true, at most ``seconds`` (a state, never a fixed sleep as the proof)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:.0f} s")
        time.sleep(every)


@dataclass
class Learner:
    page: Page
    path: Path  # the notebook on disk

    def menu(self, top: str, item: str) -> None:
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
        entry = self.page.locator(
            ".lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel",
            has_text=re.compile(f"^{item}$"),
        )
        entry.click()

    def accept_dialogs(self) -> None:
        """A dialog (e.g. Select Kernel, should one appear) is answered with its default."""
        dialog = self.page.locator(".jp-Dialog")
        if dialog.count():
            dialog.locator(".jp-mod-accept").first.click()

    def kernel_idle(self) -> bool:
        self.accept_dialogs()
        indicator = ".jp-Notebook-ExecutionIndicator[data-status='idle']"
        return self.page.locator(indicator).count() > 0

    def busy_prompts(self) -> int:
        """Cells queued or running: their prompt shows ``[*]``."""
        return self.page.locator(".jp-InputPrompt", has_text="[*]").count()

    def ran_prompts(self) -> int:
        """Cells that have run: their prompt shows ``[N]``."""
        return self.page.locator(".jp-InputPrompt", has_text=re.compile(r"\[\d+\]")).count()

    def run_all(self, attempts: int = 3) -> None:
        """Run > Run All Cells, until the run has visibly started. On a loaded machine the
        menu's click can land while the menu is still opening, and nothing runs (seen once
        in CI): the learner would click again, and so does this, after closing any dialog.
        A run that started is never asked for twice: started means a cell is queued,
        running, or has run."""
        for attempt in range(1, attempts + 1):
            self.page.locator(".jp-Notebook .jp-Cell").first.click()
            self.menu("Run", "Run All Cells")
            try:
                poll("Run All started", lambda: self.busy_prompts() + self.ran_prompts() > 0, 60)
                return
            except AssertionError:
                shot = ARTIFACTS / f"lab01-run-all-not-started-{attempt}.png"
                self.page.screenshot(path=str(shot))
                if attempt == attempts:
                    raise
                self.accept_dialogs()
                self.page.keyboard.press("Escape")

    def save(self, seconds: float = 120) -> list[Any]:
        """Ctrl+S, then the saved notebook's code cells once the file on disk changed."""
        before = self.path.stat().st_mtime_ns
        self.page.locator(".jp-Notebook").first.focus()
        self.page.keyboard.press("Control+s")
        poll("the notebook saved to disk", lambda: self.path.stat().st_mtime_ns != before, seconds)
        poll("a complete notebook on disk", lambda: _readable(self.path), 30, every=0.5)
        return code_cells(self.path)


def _readable(path: Path) -> bool:
    try:
        json.loads(path.read_text())
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    assert CHROMIUM.exists(), "Debian's chromium is needed: apt-get install chromium (.ci/run)"
    tmp = tmp_path_factory.mktemp("jlab")
    workspace = tmp / "workspace"
    prepare(ROOT / "labs", workspace)  # what `lablib lab` makes; it keeps this copy
    # A maths control at the end: MathJax is live, so a price with no maths block means the
    # dollar sign was escaped, not that nothing was typeset yet.
    nb = nbformat.read(workspace / LAB, as_version=4)  # type: ignore[no-untyped-call]
    nb.cells.append(nbformat.v4.new_markdown_cell(MATH_CONTROL))  # type: ignore[no-untyped-call]
    nbformat.write(nb, workspace / LAB)  # type: ignore[no-untyped-call]
    server = start_lablib_lab(tmp, workspace)
    try:
        yield server
    finally:
        stop_lablib_lab(server)


@pytest.mark.timeout(1500)
def test_lab01_run_all_quiz_prices_rerun_and_reopen_in_jupyterlab(lab: LabServer) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.set_default_timeout(120_000)
            learner = Learner(page, lab.workspace / LAB)
            page.goto(f"{lab.url}/lab/tree/{LAB}?token={TOKEN}")
            page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=300_000)
            poll("the kernel started and idle", learner.kernel_idle, 300, every=2)

            # Run > Run All Cells, as a learner does; the run starts within a bound...
            learner.run_all()
            # ... and ends: no cell queued or running, the kernel idle.
            poll("every cell ran", lambda: not learner.busy_prompts() and learner.kernel_idle(),
                 1200, every=3)  # fmt: skip
            cells = learner.save()
            not_run = [i for i, c in enumerate(cells) if not c.get("execution_count")]
            assert not not_run, f"code cells that did not run: {not_run}"
            problems = errors_in(cells)
            assert not problems, "\n".join(problems)
            page.screenshot(path=str(ARTIFACTS / "lab01-run-all.png"))

            # A price reads as text; the maths control proves MathJax typesets in this page.
            control = page.locator(".jp-MarkdownOutput", has_text="lablib maths control")
            poll("MathJax typeset the control", lambda: control.locator("mjx-container").count()
                 > 0, 120)  # fmt: skip
            price = page.locator(".jp-MarkdownOutput", has_text="$0.20 per million")
            assert price.count() == 1, "the price of step 14 is not shown as text"
            assert price.locator("mjx-container").count() == 0, "a price was typeset as maths"
            maths = page.locator(".jp-MarkdownOutput mjx-container").count()
            assert maths == control.locator("mjx-container").count(), "maths outside the control"

            # One checkpoint question answered by clicking: the widget shows feedback.
            question = page.locator(".widget-vbox").filter(
                has=page.locator(".widget-radio-box")
            ).first  # fmt: skip
            question.scroll_into_view_if_needed()
            question.locator(".widget-radio-box label").first.click()
            question.locator("button", has_text="Check").click()
            poll("the quiz widget answered", lambda: question.get_by_text(
                re.compile(r"Right\.|Not quite\.")).count() > 0, 120)  # fmt: skip
            page.screenshot(path=str(ARTIFACTS / "lab01-quiz-answered.png"))

            # The setup cell again (a learner re-runs it): no error, a higher count.
            highest = max(c["execution_count"] for c in cells)
            setup = page.locator(".jp-Notebook .jp-CodeCell", has_text="lablib.start(").first
            setup.locator(".jp-InputArea-prompt").click()
            page.keyboard.press("Shift+Enter")
            poll("the setup cell re-ran", lambda: not learner.busy_prompts()
                 and learner.kernel_idle() and _count_of(learner.save(), "lablib.start(")
                 > highest, 300, every=3)  # fmt: skip
            rerun = [c for c in code_cells(learner.path) if "lablib.start(" in "".join(c["source"])]
            assert not errors_in(rerun), errors_in(rerun)

            # Reopened as tomorrow, its kernel gone: the questions and the calculator's table
            # still read from the saved outputs. The widget state is saved too, but whether
            # JupyterLab redraws the widgets from it when a new kernel starts is a race in its
            # widget manager (some runs show "Error displaying widget" instead): not asserted.
            saved = json.loads(learner.path.read_text())
            end_sessions(lab)
            page.reload()
            page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=300_000)
            questions = page.locator(".lablib-question")
            poll("the saved quiz questions shown", lambda: questions.count() > 0, 120)
            questions.first.scroll_into_view_if_needed()
            assert questions.first.is_visible()
            assert page.get_by_text("Starting values").count() >= 1  # the calculator's table
            assert WIDGET_STATE in saved["metadata"].get("widgets", {}), "widget state not saved"
            poll("the reopened notebook's kernel idle", learner.kernel_idle, 300, every=2)
            page.screenshot(path=str(ARTIFACTS / "lab01-reopened.png"))
        finally:
            browser.close()
    print(f"lab 01 in JupyterLab: {time.monotonic() - started:.0f} s")


def end_sessions(lab: LabServer, seconds: float = 120) -> None:
    """Close every notebook session through JupyterLab's REST API (its kernel shuts down)."""
    headers = {"Authorization": f"token {TOKEN}"}

    def sessions() -> list[Any]:
        request = urllib.request.Request(f"{lab.url}/api/sessions", headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            found: list[Any] = json.loads(response.read())
        return found

    for session in sessions():
        request = urllib.request.Request(
            f"{lab.url}/api/sessions/{session['id']}", headers=headers, method="DELETE"
        )
        urllib.request.urlopen(request, timeout=60).close()
    poll("the kernels shut down", lambda: not sessions(), seconds)


def _count_of(cells: list[Any], marker: str) -> int:
    found = [c for c in cells if marker in "".join(c["source"])]
    return int(found[0].get("execution_count") or 0)


def test_no_process_or_port_left(lab: LabServer) -> None:
    """Stopping `lablib lab` ends JupyterLab, the kernel and the kernel's children."""
    left, port_free = stop_lablib_lab(lab)
    assert not left, f"processes left after lablib lab stopped: {left}"
    assert port_free, f"port {lab.port} still taken"
