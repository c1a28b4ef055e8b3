"""Apply authored question patches to the bank files, keeping every untouched block verbatim.

    python scripts/quiz_patch.py PATCH.yaml [PATCH.yaml ...]

A patch file is YAML: ``{file: <bank file name>, replace: [question, ...], add: [question, ...]}``.
``replace`` entries name an existing id and give the fields to change (stem, options,
explanations, answer, explanation, domains, ...); the other fields stay. ``add`` entries are
whole new questions appended to the file. Also ``rebalance: true`` re-orders the options of
single-answer questions so the keys spread evenly over the positions (explanations follow).
"""

from __future__ import annotations

import json
import random
import sys
import textwrap
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
ORDER = (
    "id concepts domains type difficulty stem options answer explanations explanation "
    "lab_ref verify source"
).split()


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def emit(item: dict[str, Any]) -> str:
    out: list[str] = []
    for key in ORDER:
        if key not in item:
            continue
        value = item[key]
        lead = "  - " if key == "id" else "    "
        if key in ("concepts", "domains"):
            out.append(f"{lead}{key}: [{', '.join(value)}]")
        elif key == "stem":
            out.append(f"{lead}stem: |")
            text = " ".join(str(value).split())
            out += ["      " + ln for ln in textwrap.wrap(text, 88, break_on_hyphens=False)]
        elif key in ("options", "explanations"):
            out.append(f"{lead}{key}:")
            out += [f"      {k}: {q(str(v))}" for k, v in value.items()]
        elif key == "answer":
            if isinstance(value, list):
                out.append(f"{lead}answer: [{', '.join(map(str, value))}]")
            elif isinstance(value, dict):
                out.append(f"{lead}answer: {json.dumps(value)}")
            else:
                out.append(f"{lead}answer: {value}")
        elif key in ("difficulty",):
            out.append(f"{lead}{key}: {value}")
        elif key in ("id", "type", "verify", "source"):
            out.append(f"{lead}{key}: {value}")
        else:
            out.append(f"{lead}{key}: {q(str(value))}")
    return "\n".join(out) + "\n"


def split_blocks(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Header, then (id, block text) where a block starts at the comments before its id."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("  - id: ")]
    cuts = []
    for s in starts:
        c = s
        while c > 0 and (lines[c - 1].strip().startswith("#") or not lines[c - 1].strip()):
            c -= 1
        cuts.append(c)
    header = "".join(lines[: cuts[0]])
    blocks = []
    for n, c in enumerate(cuts):
        end = cuts[n + 1] if n + 1 < len(cuts) else len(lines)
        qid = lines[starts[n]].split(":", 1)[1].strip()
        blocks.append((qid, "".join(lines[c:end])))
    return header, blocks


def prefix_of(block: str) -> str:
    """The comment lines and blank lines before the id line."""
    lines = block.splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if line.startswith("  - id: "))
    return "".join(lines[:i])


def rebalance(item: dict[str, Any], target: str) -> dict[str, Any]:
    keys = list(item["options"])
    if item.get("type") != "single" or target not in keys:
        return item
    cur = item["answer"]
    order = [k for k in keys if k != cur]
    order.insert(keys.index(target), cur)
    new = dict(item)
    new["options"] = {k: item["options"][o] for k, o in zip(keys, order, strict=True)}
    new["explanations"] = {k: item["explanations"][o] for k, o in zip(keys, order, strict=True)}
    new["answer"] = target
    return new


def apply(patch_path: Path) -> None:
    patch = yaml.safe_load(patch_path.read_text(encoding="utf-8"))
    path = ROOT / "quizzes" / patch["file"]
    text = path.read_text(encoding="utf-8")
    header, blocks = split_blocks(text)
    data = yaml.safe_load(text)
    by_id = {it["id"]: it for it in data["questions"]}
    repl = {r["id"]: r for r in patch.get("replace") or []}
    missing = set(repl) - set(by_id)
    if missing:
        raise SystemExit(f"{patch_path}: unknown ids {sorted(missing)}")
    out = [header]
    for qid, block in blocks:
        if qid in repl:
            item = dict(by_id[qid])
            for key, value in repl[qid].items():
                if isinstance(value, dict) and isinstance(item.get(key), dict):
                    item[key] = dict(sorted({**item[key], **value}.items()))  # merge by key
                else:
                    item[key] = value
            out.append(prefix_of(block) + emit(item))
        else:
            out.append(block)
    body = "".join(out).rstrip("\n") + "\n"
    for item in patch.get("add") or []:
        body += "\n" + emit(item)
    path.write_text(body, encoding="utf-8")
    added = len(patch.get("add") or [])
    print(f"{patch_path.name}: {len(repl)} replaced, {added} added in {path.name}")


def rebalance_file(name: str) -> None:
    """Spread the keys of single-answer questions evenly: the n-th takes position n mod k."""
    path = ROOT / "quizzes" / name
    text = path.read_text(encoding="utf-8")
    header, blocks = split_blocks(text)
    data = yaml.safe_load(text)
    by_id = {it["id"]: it for it in data["questions"]}
    out = [header]
    singles = [qid for qid, _ in blocks if by_id[qid].get("type") == "single"]
    targets = ["abcd"[n % 4] for n in range(len(singles))]
    random.Random(name).shuffle(targets)  # balanced, in no visible pattern
    target_of = dict(zip(singles, targets, strict=True))
    for qid, block in blocks:
        item = by_id[qid]
        if qid in target_of:
            target = target_of[qid]
            if target not in item["options"]:
                target = item["answer"]
            if target != item["answer"]:
                out.append(prefix_of(block) + emit(rebalance(item, target)))
                continue
        out.append(block)
    path.write_text("".join(out), encoding="utf-8")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--rebalance":
        for name in args[1:]:
            rebalance_file(name)
    else:
        for arg in args:
            apply(Path(arg))
