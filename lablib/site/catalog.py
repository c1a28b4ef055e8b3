"""Labs, exam blueprints and expected pages: the fixed facts the site is built around."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# The six labs in curriculum order (quizzes/concepts.yaml `labs:` holds the titles).
LAB_IDS: tuple[str, ...] = (
    "lambda-invocation",
    "event-sources",
    "api-gateway",
    "versions-aliases",
    "step-functions",
    "serverless-practices",
)

_DEFAULT_TITLES: dict[str, str] = {
    "lambda-invocation": "Lambda functions, the execution model and invocation",
    "event-sources": "Event sources, push and pull, event source mappings",
    "api-gateway": "API Gateway REST APIs, integrations and mapping templates",
    "versions-aliases": "Versions, aliases, traffic shifting and safe deployments",
    "step-functions": "Step Functions state machines and orchestration",
    "serverless-practices": (
        "Configuration, security, monitoring, cost and the serverless toolchain"
    ),
}


@dataclass(frozen=True)
class Domain:
    key: str
    name: str
    weight: int  # percent of the exam


@dataclass(frozen=True)
class ExamBlueprint:
    code: str
    title: str
    prefix: str  # domain keys of this exam start with it, e.g. "dva."
    domains: tuple[Domain, ...]


# The real exam format (issue 12): 65 items, 15 of them unscored and unmarked, 130 minutes,
# scaled score 100-1000, pass at 720.
EXAM_ITEMS = 65
EXAM_UNSCORED = 15
EXAM_MINUTES = 130
SCALED_MIN = 100
SCALED_MAX = 1000
PASS_SCORE = 720

EXAMS: tuple[ExamBlueprint, ...] = (
    ExamBlueprint(
        code="DVA-C02",
        title="AWS Certified Developer - Associate",
        prefix="dva.",
        domains=(
            Domain("dva.development", "Development with AWS Services", 32),
            Domain("dva.security", "Security", 26),
            Domain("dva.deployment", "Deployment", 24),
            Domain("dva.troubleshooting", "Troubleshooting and Optimization", 18),
        ),
    ),
    ExamBlueprint(
        code="SAA-C03",
        title="AWS Certified Solutions Architect - Associate",
        prefix="saa.",
        domains=(
            Domain("saa.secure", "Design Secure Architectures", 30),
            Domain("saa.resilient", "Design Resilient Architectures", 26),
            Domain("saa.performance", "Design High-Performing Architectures", 24),
            Domain("saa.cost", "Design Cost-Optimized Architectures", 20),
        ),
    ),
)

DOMAIN_KEYS: frozenset[str] = frozenset(d.key for e in EXAMS for d in e.domains)


def lab_titles(repo_root: Path) -> dict[str, str]:
    """Lab id -> title, read from quizzes/concepts.yaml when it is there."""
    titles = dict(_DEFAULT_TITLES)
    path = repo_root / "quizzes" / "concepts.yaml"
    if path.is_file():
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        labs = data.get("labs") if isinstance(data, dict) else None
        if isinstance(labs, dict):
            for lab_id in LAB_IDS:
                if isinstance(labs.get(lab_id), str):
                    titles[lab_id] = labs[lab_id]
    return titles


def exam_meta() -> dict[str, Any]:
    """The exam rules as the browser exam reads them (one place, so both sides agree)."""
    return {
        "items": EXAM_ITEMS,
        "unscored": EXAM_UNSCORED,
        "minutes": EXAM_MINUTES,
        "scaledMin": SCALED_MIN,
        "scaledMax": SCALED_MAX,
        "passScore": PASS_SCORE,
        "exams": [
            {
                "code": e.code,
                "title": e.title,
                "prefix": e.prefix,
                "domains": [{"key": d.key, "name": d.name, "weight": d.weight} for d in e.domains],
            }
            for e in EXAMS
        ],
    }


# Pages in the nav that other people write. Until a file exists the hook generates a short
# placeholder so the strict build passes; the real file always wins.
def expected_pages() -> dict[str, str]:
    """docs-relative path -> title, for pages the site shows a placeholder for when missing."""
    pages = {f"labs/{lab_id}/notes.md": f"{_DEFAULT_TITLES[lab_id]}: notes" for lab_id in LAB_IDS}
    pages.update(
        {
            "cheatsheet.md": "Cheat sheet",
            "glossary.md": "Glossary",
            "differences.md": "What differs from real AWS",
            "fidelity.md": "Fidelity",
        }
    )
    return pages
