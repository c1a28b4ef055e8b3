"""The public API of lablib is small and deliberate; this test pins it."""

from __future__ import annotations

import lablib


def test_all_is_pinned() -> None:
    assert sorted(lablib.__all__) == sorted(
        ["LabClock", "LocalAWS", "NotLoopbackError", "__version__", "start", "stop"]
    )
    for name in lablib.__all__:
        assert hasattr(lablib, name)


def test_only_one_module_imports_moto() -> None:
    from pathlib import Path

    root = Path(lablib.__file__).parent
    importers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if any(
            line.lstrip().startswith(("import moto", "from moto"))
            for line in path.read_text().splitlines()
        )
    )
    assert importers
    assert all(path.startswith("aws/moto_bridge/") for path in importers), importers
