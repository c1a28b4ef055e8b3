"""Facts the labs and notes teach, checked against current AWS documentation (issue #27): the
wrong wording is gone and the corrected wording is there. Behaviour that the local AWS can
show is pinned where it runs (tests/events/test_taught_facts.py,
tests/stepfunctions/test_taught_facts.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def notes(lab: str) -> str:
    return (ROOT / "site" / "labs" / lab / "notes.md").read_text()


def notebook(lab: str) -> str:
    path = next((ROOT / "labs").glob(f"[0-9][0-9]-{lab}.ipynb"))
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells)


FACTS = [
    # (where, text that must be there, wrong text that must be gone)
    (
        "nb:step-functions",
        "**at-most-once** when started synchronously",
        "run at-least-once, last at most",
    ),
    ("nb:step-functions", "exactly once, unless Retry", "| exactly once / 1 year |"),
    (
        "notes:step-functions",
        "Exactly once per step, unless a `Retry`",
        "| Exactly once per step |",
    ),
    ("nb:event-sources", "receives\nthe batch's metadata", "poisoned record ends in the queue"),
    ("nb:event-sources", "Visibility timeout 2 s", "Visibility timeout 1 s"),
    (
        "notes:api-gateway",
        "**Application Load Balancer**",
        "(to a Network Load Balancer for\nREST APIs)",
    ),
    ("notes:api-gateway", "Since November 2025 REST APIs can also **stream the response**", None),
    ("nb:api-gateway", "since November 2025 a REST API can **stream**", None),
    ("notes:serverless-practices", "maintenance mode since 25 February 2026", None),
    ("notes:serverless-practices", "support ends 25 February 2027", None),
    ("nb:serverless-practices", "maintenance\nmode since 25 February 2026", None),
    ("notes:step-functions", "every known error except `States.Timeout`", "| Any task failure |"),
    ("nb:step-functions", "`States.TaskFailed` matches every error except\n`States.Timeout`", None),
    ("notes:lambda-invocation", "Python 3.12+ and .NET 8+", "SnapStart (Java, Python and .NET)"),
    (
        "notes:serverless-practices",
        "Python 3.12+ and .NET 8+",
        "SnapStart** for Java, Python and .NET",
    ),
    ("nb:serverless-practices", "Python 3.12+ and .NET 8+", "and for Java **SnapStart**"),
    ("notes:lambda-invocation", "up to **200 MB**", "| 6 MB | 6 MB | Same |"),
    ("notes:lambda-invocation", "Java is on 11, 17, 21 and 25", "Java is on 11/17/21"),
    ("notes:lambda-invocation", "**Lambda Managed Instances**", None),
    ("notes:lambda-invocation", "since November 2024, an S3 bucket for on-failure", None),
    ("notes:event-sources", "or S3 since November 2024", None),
]


@pytest.mark.parametrize(("where", "right", "wrong"), FACTS, ids=[f[1][:40] for f in FACTS])
def test_fact_is_corrected(where: str, right: str, wrong: str | None) -> None:
    kind, lab = where.split(":")
    text = " ".join((notes(lab) if kind == "notes" else notebook(lab)).split())
    right, wrong = " ".join(right.split()), wrong and " ".join(wrong.split())
    assert right in text, f"{where}: missing {right!r}"
    if wrong is not None:
        assert wrong not in text, f"{where}: still says {wrong!r}"


@pytest.mark.parametrize("where", ["notes", "nb"])
def test_codedeploy_configurations_have_their_full_names(where: str) -> None:
    text = notes("versions-aliases") if where == "notes" else notebook("versions-aliases")
    bare = re.findall(r"(?<![.\w])Lambda(?:Canary|Linear|AllAtOnce)\w*", text)
    assert not bare, f"use CodeDeployDefault.<name>: {sorted(set(bare))}"
