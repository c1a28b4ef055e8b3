"""`lablib class report ROOT... [--csv FILE] [--html FILE]`: the class's progress, read-only."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    group = sub.add_parser("class", help="the teacher's view of a class of learners")
    inner = group.add_subparsers(dest="class_command", metavar="COMMAND", required=True)
    report = inner.add_parser(
        "report",
        help="quiz/exam readiness and exercises of every learner's LABLIB_HOME (read-only)",
        description=(
            "Each ROOT is a learner's LABLIB_HOME (holding progress.db or exercises.jsonl), or "
            "a folder whose subfolders (or their .lablib) are learners' homes, named by folder."
        ),
    )
    report.add_argument("roots", nargs="+", metavar="ROOT", type=Path)
    report.add_argument("--csv", type=Path, default=None, help="write one row per learner")
    report.add_argument("--html", type=Path, default=None, help="write a static HTML page")
    report.add_argument("--bank", type=Path, default=None, help="quiz bank folder")
    report.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from lablib.quiz.bank import BankError, load_bank

    from . import render
    from .report import class_report

    try:
        bank = load_bank(args.bank)
        report = class_report(args.roots, bank)
    except (FileNotFoundError, BankError) as exc:
        print(f"lablib class report: {exc}", file=sys.stderr)
        return 2
    if not report.learners:
        print("lablib class report: no learner homes found under the given ROOTs", file=sys.stderr)
        return 1
    if args.csv:
        args.csv.write_text(render.to_csv(report), encoding="utf-8")
    if args.html:
        args.html.write_text(render.to_html(report), encoding="utf-8")
    print(render.to_text(report))
    return 0
