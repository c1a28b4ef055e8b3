"""mkdocs hook (mkdocs.yml `hooks:`): pages and data generated at build time.

- labs/<lab-id>/notebook.md  the lab notebook rendered (executed when LABLIB_DOCS_EXECUTE=1),
                             or a "coming soon" page while the notebook does not exist
- quizzes/bank.json          the question bank for the browser quizzes and exam
- placeholders               for nav pages other people write (notes, cheat sheet, ...)
                             while those files do not exist yet; a real file always wins
- study links                each question in bank.json gets "links" (notes section, notebook
                             page, the notebook step that shows it run: lablib.quiz.links)
- study scripts              the practice modes, "due today" and progress pages' JavaScript
                             (site/study/*.md) are added to extra_javascript here

LABLIB_SITE_LABS_DIR overrides where notebooks are read from (tests use a fixture folder).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from lablib.quiz.links import notebook_steps
from lablib.site.bank import BankError, add_study_links, export_bank
from lablib.site.catalog import LAB_IDS, expected_pages, lab_titles
from lablib.site.notebooks import NotebookError, coming_soon, find_notebook, render_notebook

BANK_URI = "quizzes/bank.json"
# Marks a generated placeholder page in the built HTML (the link check skips its anchors).
PLACEHOLDER_MARK = '<div class="lablib-placeholder" hidden></div>'
_cache: dict[tuple[str, int, int, bool], str] = {}


def _repo_root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent


def _labs_dir(root: Path) -> Path:
    override = os.environ.get("LABLIB_SITE_LABS_DIR")
    return Path(override).resolve() if override else root / "labs"


def _execute() -> bool:
    return os.environ.get("LABLIB_DOCS_EXECUTE", "") == "1"


def placeholder(path: str, title: str) -> str:
    """The page shown while someone is still writing the file at ``path``."""
    body = (
        f"# {title}\n\n{PLACEHOLDER_MARK}\n\n"
        '!!! info "Being written"\n\n    This page is being written. '
    )
    if path.startswith("labs/"):
        lab_id = path.split("/")[1]
        return (
            body + "The notes for this lab will cover its concepts, diagrams, limits, exam "
            "tips and common traps.\n\n"
            f"Meanwhile: [the lab notebook](notebook.md) · [the quiz](../../quizzes/{lab_id}.md)\n"
        )
    return body + "Come back after the next update of the site.\n"


def notebook_page(root: Path, lab_id: str, title: str, execute: bool) -> str:
    """Markdown for labs/<lab_id>/notebook.md (cached per notebook file state)."""
    path = find_notebook(_labs_dir(root), LAB_IDS, lab_id)
    if path is None:
        return coming_soon(lab_id, title)
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, execute)
    if key not in _cache:
        _cache[key] = render_notebook(path, LAB_IDS, execute=execute).markdown
    return _cache[key]


def fidelity_page() -> str:
    """The fidelity matrix (lablib/aws/fidelity.yaml) as a page; `lablib fidelity` prints
    the same table."""
    from lablib.aws import fidelity

    return (
        "# Fidelity: what the local AWS simulates\n\n"
        "Each row says what the local AWS does with a parameter or behaviour: **faithful** "
        "(behaves as on AWS, tested), **approximated** (honoured, with the difference "
        "stated), **ignored** (accepted but not simulated: the server warns once, and "
        "`LABLIB_STRICT=1` refuses it) or **rejected** (a clear error). Run "
        "`lablib fidelity` for the same table in a terminal.\n\n" + fidelity.table() + "\n"
    )


STUDY_SCRIPTS = ("javascripts/lablib-practice.js", "javascripts/lablib-study.js")


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Load the study scripts after lablib-quiz.js (they use its window.LablibQuiz)."""
    present = {str(s) for s in config.extra_javascript}
    for script in STUDY_SCRIPTS:
        if script not in present:
            config.extra_javascript.append(script)
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    root = _repo_root(config)
    titles = lab_titles(root)
    try:
        for lab_id in LAB_IDS:
            uri = f"labs/{lab_id}/notebook.md"
            content = notebook_page(root, lab_id, titles[lab_id], _execute())
            files.append(File.generated(config, uri, content=content))
        bank = export_bank(root)
        labs_dir = _labs_dir(root)
        notebooks = {lab for lab in LAB_IDS if find_notebook(labs_dir, LAB_IDS, lab)}
        add_study_links(bank, notebook_steps(labs_dir), notebooks, config.use_directory_urls)
    except (BankError, NotebookError) as exc:
        raise PluginError(str(exc)) from exc
    files.append(File.generated(config, BANK_URI, content=json.dumps(bank, ensure_ascii=False)))
    if files.get_file_from_path("fidelity.md") is None:
        files.append(File.generated(config, "fidelity.md", content=fidelity_page()))
    for uri, title in expected_pages().items():
        if files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, content=placeholder(uri, title)))
    return files


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    """`mkdocs serve` also rebuilds when a notebook or the question bank changes."""
    root = _repo_root(config)
    for folder in (_labs_dir(root), root / "quizzes"):
        if folder.is_dir():
            server.watch(str(folder))
    return server
