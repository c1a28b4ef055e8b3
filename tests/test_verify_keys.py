"""Every behaviour question in the bank names a `verify:` key, and some test proves it.

A test proves a key by naming it in its docstring ("Verifies: key"). This test fails when a
question's key has no such test, so an answer in the bank cannot drift from what the local
AWS really does. The proving tests themselves run as part of the suite.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def bank_keys(pattern: str = "*.yaml") -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for path in sorted((ROOT / "quizzes").glob(pattern)):
        if path.name == "concepts.yaml":
            continue
        for question in yaml.safe_load(path.read_text()).get("questions", []):
            if question.get("verify"):
                keys.setdefault(question["verify"], []).append(question["id"])
    return keys


def proven_keys() -> set[str]:
    text = "\n".join(
        path.read_text()
        for path in (ROOT / "tests").rglob("test_*.py")
        if path.name != Path(__file__).name
    )
    return {key for key in bank_keys() if key in text}


def test_every_lab_file_with_verify_keys_is_checked() -> None:
    assert bank_keys("lambda-invocation.yaml")


def test_lambda_invocation_keys_are_all_proven() -> None:
    keys = bank_keys("lambda-invocation.yaml")
    missing = sorted(set(keys) - proven_keys())
    assert not missing, f"no test proves these verify keys: {missing}"


def test_report_of_all_keys() -> None:
    """Every verify key is proven somewhere (all labs)."""
    keys = bank_keys()
    proven = proven_keys()
    missing = {key: ids for key, ids in keys.items() if key not in proven}
    assert not missing, "verify keys with no proving test:\n" + "\n".join(
        f"  {key}: {', '.join(ids)}" for key, ids in sorted(missing.items())
    )
