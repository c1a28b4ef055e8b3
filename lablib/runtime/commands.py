"""`lablib runtimes`: which interpreter runs each Python runtime; `install` creates them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from lablib.runtime import pythons


def register(sub: Any) -> None:
    runtimes = sub.add_parser(
        "runtimes", help="list the Python runtimes, what runs each and where; install them"
    )
    runtimes.set_defaults(handler=cmd_list)
    actions = runtimes.add_subparsers(dest="action", metavar="ACTION")
    install = actions.add_parser(
        "install", help="create runtime environments (e.g. lablib runtimes install python3.12)"
    )
    install.add_argument(
        "runtime", nargs="*", help="python3.10 ... python3.14 (default: all found)"
    )
    install.set_defaults(handler=cmd_install)


def rows() -> list[tuple[str, str, str, str]]:
    """(runtime, what runs it, found where, its environment) for each versioned runtime."""
    out = []
    for version in pythons.VERSIONED:
        runtime = f"python{version}"
        if version == pythons.HOST:
            out.append((runtime, f"Python {pythons.HOST_FULL} {sys.executable}", "lablib's own "
                        "interpreter", "lablib's environment"))  # fmt: skip
            continue
        found = pythons.find(version)
        if isinstance(found, str):
            out.append((runtime, f"FALLBACK: Python {pythons.HOST_FULL} {sys.executable}",
                        found, pythons.install_hint(version)))  # fmt: skip
            continue
        source, python, full = found
        env_dir = pythons.runtimes_dir() / runtime
        state = "ready" if pythons.installed(env_dir, python, full) else "created on first use"
        out.append((runtime, f"Python {full} {python}", source, f"{env_dir} ({state})"))
    return out


def cmd_list(args: argparse.Namespace) -> int:
    table = [("runtime", "runs on", "found", "environment"), *rows()]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
              + "  " + row[3])  # fmt: skip
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    wanted = args.runtime or [
        f"python{v}" for v in pythons.VERSIONED
        if v != pythons.HOST and not isinstance(pythons.find(v), str)
    ]  # fmt: skip
    failed = 0
    for runtime in wanted:
        try:
            choice = pythons.install(runtime)
        except RuntimeError as exc:
            print(f"lablib runtimes install: {exc}", file=sys.stderr)
            failed += 1
            continue
        where = choice.env_dir or "lablib's own interpreter"
        print(f"{runtime}: Python {choice.version} ({where})")
    return 1 if failed else 0
