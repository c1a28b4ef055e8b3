"""Every lab's support code has one home and one layout: lablib/labs/<lab_id>/{views,checks}.py,
found from the lab's id; its checks register themselves under ``<lab-id>/...``."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from lablib.exercises import registered
from lablib.labs import module_name
from lablib.site.catalog import LAB_IDS

LABS = Path(__file__).resolve().parents[2] / "lablib" / "labs"


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_each_lab_has_views_and_checks(lab_id: str) -> None:
    for part in ("views", "checks"):
        module = importlib.import_module(module_name(lab_id, part))
        assert module.__file__ is not None
        assert Path(module.__file__) == LABS / lab_id.replace("-", "_") / f"{part}.py"
    assert registered(lab_id), f"lab {lab_id} registers no exercise checks"


def test_no_other_lab_folders() -> None:
    folders = {p.name for p in LABS.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == {lab_id.replace("-", "_") for lab_id in LAB_IDS}
