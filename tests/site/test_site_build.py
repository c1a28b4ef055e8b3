"""The strict build, the pages it must produce and the hook's generated pages."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from site_support import FIXTURES, REPO, build_site

from lablib.site.catalog import LAB_IDS, expected_pages
from lablib.site.extras import JUPYTERLAB, aws_docs
from lablib.site.hooks import PLACEHOLDER_MARK, placeholder


def _nav_paths(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [p for item in node for p in _nav_paths(item)]
    if isinstance(node, dict):
        return [p for value in node.values() for p in _nav_paths(value)]
    return []


def _config() -> dict[str, object]:
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    # mkdocs.yml uses a python/name tag for the mermaid fence; plain YAML only needs the nav.
    text = re.sub(r"!!python/name:\S+", "python-name", text)
    text = text.replace("!ENV ", "")  # site_url: !ENV [LABLIB_SITE_URL, default]
    config: dict[str, object] = yaml.safe_load(text)
    return config


def test_config_pins_docs_dir_site_dir_and_strict() -> None:
    config = _config()
    assert config["docs_dir"] == "site"
    assert config["site_dir"] == "build/site"
    assert config["strict"] is True


def test_nav_has_every_lab_with_notes_notebook_and_quiz() -> None:
    paths = _nav_paths(_config()["nav"])
    for lab_id in LAB_IDS:
        for page in ("labs/{}/notes.md", "labs/{}/notebook.md", "quizzes/{}.md"):
            assert page.format(lab_id) in paths
    for page in ("index.md", "exam.md", "cheatsheet.md", "glossary.md", "differences.md"):
        assert page in paths
    assert "fidelity.md" in paths


def test_strict_build_produces_every_page(built_site: Path) -> None:
    for lab_id in LAB_IDS:
        for page in (f"labs/{lab_id}/notes", f"labs/{lab_id}/notebook", f"quizzes/{lab_id}"):
            assert (built_site / page / "index.html").is_file(), page
    for page in ("exam", "cheatsheet", "glossary", "differences", "fidelity"):
        assert (built_site / page / "index.html").is_file(), page
    assert (built_site / "index.html").is_file()
    assert (built_site / "quizzes" / "bank.json").is_file()
    assert (built_site / "javascripts" / "vendor" / "mermaid.min.js").stat().st_size > 1_000_000


def test_missing_pages_get_a_placeholder_and_written_pages_win(built_site: Path) -> None:
    for uri in expected_pages():
        if uri == "fidelity.md":  # generated from lablib/aws/fidelity.yaml
            continue
        html = (built_site / uri.removesuffix(".md") / "index.html").read_text(encoding="utf-8")
        is_placeholder = "lablib-placeholder" in html
        assert is_placeholder == (not (REPO / "site" / uri).is_file()), uri


def test_fidelity_page_is_the_generated_matrix(built_site: Path) -> None:
    html = (built_site / "fidelity" / "index.html").read_text(encoding="utf-8")
    assert "lablib-placeholder" not in html
    assert "TracingConfig" in html and "not simulated" in html


def test_placeholder_text_links_the_lab_pages() -> None:
    text = placeholder("labs/step-functions/notes.md", "Step Functions: notes")
    assert PLACEHOLDER_MARK in text
    assert "(notebook.md)" in text and "(../../quizzes/step-functions.md)" in text
    assert placeholder("glossary.md", "Glossary").startswith("# Glossary")


def test_lab_without_notebook_says_it_is_coming(built_site: Path) -> None:
    for lab_id in LAB_IDS:
        has_notebook = any((REPO / "labs").glob(f"[0-9][0-9]-{lab_id}.ipynb"))
        html = (built_site / "labs" / lab_id / "notebook" / "index.html").read_text("utf-8")
        assert ("Coming soon" in html) == (not has_notebook), lab_id


def test_mermaid_fence_becomes_a_mermaid_block(built_site: Path) -> None:
    html = (built_site / "index.html").read_text(encoding="utf-8")
    assert '<pre class="mermaid"><code>flowchart LR' in html
    assert "javascripts/vendor/mermaid.min.js" in html


def test_only_pages_with_a_diagram_load_mermaid(built_site: Path) -> None:
    with_diagram = without = 0
    for page in built_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        loads = html.count('vendor/mermaid.min.js"></script>')
        if 'class="mermaid"' in html:
            with_diagram += 1
            assert loads == 1, page
        else:
            without += 1
            assert loads == 0, page  # 3.6 MB a page without a diagram does not need
    assert with_diagram >= 5 and without >= 10


def test_page_titles_are_unique(built_site: Path) -> None:
    titles: dict[str, list[str]] = {}
    for page in built_site.rglob("index.html"):
        found = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8"), re.DOTALL)
        assert found, page
        titles.setdefault(found.group(1).strip(), []).append(str(page.relative_to(built_site)))
    repeated = {t: p for t, p in titles.items() if len(p) > 1}
    assert not repeated, repeated
    notes = (built_site / "labs/event-sources/notes/index.html").read_text(encoding="utf-8")
    assert "<title>Notes · Event sources - Serverless lab</title>" in notes


def test_notes_link_each_concept_to_its_aws_documentation(built_site: Path) -> None:
    docs = aws_docs()
    assert len(docs) >= 50
    for lab_id in LAB_IDS:
        html = (built_site / f"labs/{lab_id}/notes/index.html").read_text(encoding="utf-8")
        for concept, (_, url) in docs.items():
            if f'id="{concept}"' in html:  # the notes section of the concept
                section = html.split(f'id="{concept}"', 1)[1].split("<h2", 1)[0]
                assert f'<p class="lablib-awsdoc">AWS documentation: <a href="{url}">' in section
    every = "".join(
        (built_site / f"labs/{lab}/notes/index.html").read_text(encoding="utf-8") for lab in LAB_IDS
    )
    missing = [c for c in docs if f'id="{c}"' not in every]
    assert not missing, f"aws_docs.yaml names sections the notes do not have: {missing}"
    assert all(url.startswith("https://") for _, url in docs.values())


def test_lab_pages_offer_the_learner_notebook_to_download(built_site: Path) -> None:
    for lab_id in LAB_IDS:
        source = next((REPO / "labs").glob(f"??-{lab_id}.ipynb"))
        html = (built_site / f"labs/{lab_id}/notebook/index.html").read_text(encoding="utf-8")
        assert f'download="{source.name}" href="../{source.name}"' in html
        assert f'href="{JUPYTERLAB}{source.name}"' in html
        copy = json.loads((built_site / f"labs/{lab_id}/{source.name}").read_text("utf-8"))
        text = json.dumps(copy)
        assert "BEGIN SOLUTION" not in text, lab_id  # the learner copy: solutions stubbed
        assert copy["metadata"]["kernelspec"]["name"] == "python3"
        assert all(not c.get("outputs") for c in copy["cells"] if c["cell_type"] == "code")


@pytest.mark.timeout(600)
def test_executed_fixture_notebook_is_rendered_into_the_lab_page(tmp_path: Path) -> None:
    labs = tmp_path / "labs"
    shutil.copytree(FIXTURES / "labs", labs)
    dest = tmp_path / "out"
    result = build_site(dest, LABLIB_SITE_LABS_DIR=str(labs), LABLIB_DOCS_EXECUTE="1")
    assert result.returncode == 0, result.stdout + result.stderr
    html = (dest / "labs" / "lambda-invocation" / "notebook" / "index.html").read_text("utf-8")
    assert "fixture notebook" in html
    assert "sum is 10" in html  # the output of an executed cell
    assert "never shown" not in html  # remove-cell
    assert '<pre class="mermaid"><code>flowchart LR' in html  # Markdown output with a diagram
    assert 'href="../../event-sources/notebook/#setup"' in html  # notebook link rewritten
    other = (dest / "labs" / "event-sources" / "notebook" / "index.html").read_text("utf-8")
    assert "Coming soon" in other


def test_a_broken_bank_fails_the_build_with_file_and_field(tmp_path: Path) -> None:
    # A copy of the site with a bad bank file: the hook must stop the strict build clearly.
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(REPO / "site", tmp_path / "site")
    (tmp_path / "lablib" / "site").mkdir(parents=True)
    shutil.copy(REPO / "lablib" / "site" / "hooks.py", tmp_path / "lablib" / "site" / "hooks.py")
    shutil.copytree(
        REPO / "lablib" / "site" / "overrides", tmp_path / "lablib" / "site" / "overrides"
    )
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "api-gateway.yaml").write_text(
        "lab: api-gateway\nquestions:\n  - {id: ag-x, type: single, domains: [dva.security],"
        " concepts: [c], stem: S, options: {a: A, b: B}, answer: z,"
        " explanations: {a: x, b: y}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "out")],
        cwd=tmp_path,
        # the copy's lablib/ folder has no __init__.py: without the repository on the path it
        # would shadow the real package when lablib is installed through an import finder
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "api-gateway.yaml" in result.stderr and "'ag-x'" in result.stderr
    assert "field 'answer'" in result.stderr
