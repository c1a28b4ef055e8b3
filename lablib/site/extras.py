"""What the site adds around the pages (issue #24), used by lablib/site/hooks.py.

- page titles   pages whose nav title repeats ("Notes" six times) get "Notes · <lab>"
- diagrams      mermaid (3.6 MB) is loaded only by the pages that have a diagram
- AWS docs      each notes section of a concept in aws_docs.yaml links its AWS docs page
- notebooks     the learner copy of each lab notebook (solutions stubbed) to download, and
                the address that opens it in a local JupyterLab (`make lab`)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

MERMAID_JS = "javascripts/vendor/mermaid.min.js"
AWS_DOCS = Path(__file__).with_name("aws_docs.yaml")
# `lablib lab` serves the workspace (learner copies, same file names) on 8888 when it is free
JUPYTERLAB = "http://localhost:8888/lab/tree/"


def section_titles(pages: Iterable[Any]) -> dict[str, str]:
    """src_uri -> "<title> · <section>" for the pages whose nav title is not unique."""
    pages = list(pages)
    counts = Counter(p.title for p in pages)
    titles: dict[str, str] = {}
    for page in pages:
        if counts[page.title] > 1 and page.parent is not None:
            titles[page.file.src_uri] = f"{page.title} · {page.parent.title}"
    return titles


def with_mermaid(html: str, script_url: str) -> str:
    """The page with mermaid's script added before </body> when it has a diagram."""
    if 'class="mermaid"' not in html:
        return html
    tag = f'<script src="{script_url}"></script>'
    head, sep, tail = html.rpartition("</body>")
    return f"{head}{tag}\n{sep}{tail}" if sep else html + tag


def aws_docs() -> dict[str, tuple[str, str]]:
    """concept id -> (page title, URL) of its AWS documentation page."""
    data: dict[str, list[str]] = yaml.safe_load(AWS_DOCS.read_text(encoding="utf-8"))
    return {key: (value[0], value[1]) for key, value in data.items()}


_SECTION_RE = re.compile(r"^##[ \t]+.*\{#([a-z]+\.[a-z0-9-]+)\}[ \t]*$", re.MULTILINE)


def add_aws_doc_links(markdown: str, docs: dict[str, tuple[str, str]]) -> str:
    """A line "AWS documentation: <page>" under each section heading of a mapped concept."""

    def repl(match: re.Match[str]) -> str:
        found = docs.get(match.group(1))
        if found is None:
            return match.group(0)
        title, url = found
        return (
            f'{match.group(0)}\n\n<p class="lablib-awsdoc" markdown="1">AWS documentation: '
            f"[{title}]({url})</p>\n"
        )

    return _SECTION_RE.sub(repl, markdown)


def learner_notebook(path: Path) -> str:
    """The learner copy of a lab notebook (what `lablib lab` puts in the workspace), as JSON."""
    import nbformat

    from lablib.exercises.learner import learner_notebook as stub
    from lablib.notebook.workspace import KERNELSPEC

    nb = nbformat.read(str(path), as_version=4)  # type: ignore[no-untyped-call]
    nb, _, _ = stub(nb, str(path))
    nb.metadata.setdefault("kernelspec", dict(KERNELSPEC))
    text: str = nbformat.writes(nb)  # type: ignore[no-untyped-call]
    return text


def notebook_links(name: str) -> str:
    """The download and open-in-JupyterLab buttons of a lab notebook page (Markdown)."""
    return (
        f'<p class="lablib-nb-links" markdown="1">[Download the notebook]({name})'
        f'{{ .md-button download="{name}" }} '
        f"[Open in JupyterLab]({JUPYTERLAB}{name}){{ .md-button .lablib-open-lab }}"
        "<br><small>Open in JupyterLab works once `make lab` is running on this computer "
        "(it serves your own copy of the notebook on port 8888).</small></p>"
    )
