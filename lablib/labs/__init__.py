"""The labs: each lab's support code in one place, with one layout for all six.

``lablib/labs/<lab_id>/`` (the lab id with hyphens as underscores: ``event-sources`` ->
``event_sources``) holds ``views.py`` (what the lab's notebook shows, and its set-up helpers)
and ``checks.py`` (its exercise checks, registered with ``@lablib.exercises.exercise``;
``lablib.exercises.check`` imports it on first use). The notebook itself is
``labs/NN-<lab-id>.ipynb``. This is the teaching layer: the local AWS never imports it.
"""

from __future__ import annotations


def module_name(lab_id: str, part: str) -> str:
    """The module of one lab's ``part`` (``"views"`` or ``"checks"``), found from its id."""
    return f"lablib.labs.{lab_id.replace('-', '_')}.{part}"
