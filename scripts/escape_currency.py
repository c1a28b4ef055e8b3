"""Escape bare dollar signs in the labs' Markdown cells (JupyterLab renders $...$ as maths).

Usage: .venv/bin/python scripts/escape_currency.py [labs/*.ipynb]  (rewrites in place)
Code spans and fences are left alone; tests/labs/test_markdown_text.py finds what is left.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
BARE = re.compile(r"(?<!\\)\$")


def escape(text: str) -> str:
    out, pos = [], 0
    for match in CODE.finditer(text):
        out += [BARE.sub(r"\\$", text[pos : match.start()]), match.group(0)]
        pos = match.end()
    out.append(BARE.sub(r"\\$", text[pos:]))
    return "".join(out)


def main(paths: list[str]) -> int:
    for name in paths or sorted(str(p) for p in Path("labs").glob("[0-9][0-9]-*.ipynb")):
        path = Path(name)
        raw = path.read_text()
        nb = json.loads(raw)
        changed = False
        for cell in nb["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            source = cell["source"]
            text = source if isinstance(source, str) else "".join(source)
            fixed = escape(text)
            if fixed != text:
                changed = True
                cell["source"] = fixed if isinstance(source, str) else fixed.splitlines(True)
        if changed:
            ending = "\n" if raw.endswith("\n") else ""
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + ending)
            print(f"escaped currency in {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
