"""The `lablib` command. Each area registers its own subcommands in its own module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that expose `register(subparsers)`; each adds its own subcommands.
_COMMAND_MODULES = (
    "lablib.aws.commands",
    "lablib.aws.cleanup_commands",
    "lablib.classroom.commands",
    "lablib.notebook.commands",
    "lablib.quiz.commands",
    "lablib.runtime.commands",
    "lablib.sam.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lablib",
        description="AWS serverless lab: a local AWS that runs Lambda code, quizzes and exams.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    result = handler(args)
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
