"""Lab Markdown reads as text in JupyterLab: no bare $ (JupyterLab renders $...$ as maths)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LABS = sorted((ROOT / "labs").glob("[0-9][0-9]-*.ipynb"))
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
BARE = re.compile(r"(?<!\\)\$")


def bare_dollars(text: str) -> list[str]:
    prose = CODE.sub("", text)
    return [prose[max(0, m.start() - 25) : m.start() + 25] for m in BARE.finditer(prose)]


def test_the_finder_finds_currency_and_ignores_code() -> None:
    assert bare_dollars("costs $0.20 per million") == ["costs $0.20 per million"]
    assert bare_dollars("costs \\$0.20 and `$LATEST` and ```\n$x\n```") == []


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.name)
def test_no_bare_dollar_in_markdown(path: Path) -> None:
    nb = json.loads(path.read_text())
    found = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            found += [f"cell {index}: ...{hit}..." for hit in bare_dollars(source)]
    assert not found, "escape as \\$ (scripts/escape_currency.py):\n" + "\n".join(found)
