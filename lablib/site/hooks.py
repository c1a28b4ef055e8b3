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
- labs/<lab-id>/NN-<lab>.ipynb  the learner copy of each notebook, linked from its page with
                             an "Open in JupyterLab" link; titles, diagrams and AWS docs links:
                             lablib/site/extras.py

LABLIB_SITE_LABS_DIR overrides where notebooks are read from (tests use a fixture folder).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from lablib.quiz.links import notebook_steps
from lablib.site.bank import BankError, add_study_links, export_bank
from lablib.site.catalog import LAB_IDS, expected_pages, lab_titles
from lablib.site.extras import (
    MERMAID_JS,
    add_aws_doc_links,
    aws_docs,
    learner_notebook,
    notebook_links,
    section_titles,
    with_mermaid,
)
from lablib.site.notebooks import NotebookError, coming_soon, find_notebook, render_notebook

BANK_URI = "quizzes/bank.json"
# Marks a generated placeholder page in the built HTML (the link check skips its anchors).
PLACEHOLDER_MARK = '<div class="lablib-placeholder" hidden></div>'
_cache: dict[tuple[str, int, int, bool], str] = {}
_titles: dict[str, str] = {}


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
        markdown = render_notebook(path, LAB_IDS, execute=execute).markdown
        title, _, rest = markdown.partition("\n")  # the first line is the page's H1
        _cache[key] = f"{title}\n\n{notebook_links(path.name)}\n\n{rest.lstrip()}"
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
        "`lablib fidelity` for the same table in a terminal.\n\n"
        '<div class="lablib-fidelity" markdown="1">\n\n' + fidelity.table() + "\n\n</div>\n"
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
        labs_dir = _labs_dir(root)
        for lab_id in LAB_IDS:
            path = find_notebook(labs_dir, LAB_IDS, lab_id)
            if path is not None:  # the learner copy the page's download link fetches
                uri = f"labs/{lab_id}/{path.name}"
                files.append(File.generated(config, uri, content=learner_notebook(path)))
        bank = export_bank(root)
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


_MERMAID_RE = re.compile(r'<pre class="mermaid">.*?</pre>', re.DOTALL)


def on_page_content(html: str, page: Page, **kwargs: Any) -> str:
    """Each diagram sits in a box that scrolls sideways on a phone (lablib.css gives the
    diagram a minimum width there, so its labels keep a readable size). A lab notebook's
    page is marked so its code wraps instead of running off the right edge."""
    html = _MERMAID_RE.sub(lambda m: f'<div class="lablib-diagram">{m.group(0)}</div>', html)
    if re.fullmatch(r"labs/[^/]+/notebook\.md", page.file.src_uri):
        html = f'<div class="lablib-notebook">\n{html}\n</div>'
    return html


def on_nav(nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
    _titles.clear()
    _titles.update(section_titles(nav.pages))
    return nav


def on_page_markdown(markdown: str, page: Page, **kwargs: Any) -> str:
    if re.fullmatch(r"labs/[^/]+/notes\.md", page.file.src_uri):
        return add_aws_doc_links(markdown, aws_docs())
    return markdown


def on_page_context(context: Any, page: Page, **kwargs: Any) -> Any:
    """`lablib_title` for the page's <title> (lablib/site/overrides/main.html)."""
    context["lablib_title"] = _titles.get(page.file.src_uri)
    return context


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Only the pages with a diagram load mermaid (3.6 MB)."""
    return with_mermaid(output, get_relative_url(MERMAID_JS, page.url))


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    """`mkdocs serve` also rebuilds when a notebook or the question bank changes."""
    root = _repo_root(config)
    for folder in (_labs_dir(root), root / "quizzes"):
        if folder.is_dir():
            server.watch(str(folder))
    return server
