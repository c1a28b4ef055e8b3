"""Exercise checks and the learner-version generator.

In a lab notebook an exercise is a code cell whose solution sits between ``# BEGIN SOLUTION``
and ``# END SOLUTION`` lines, followed by a check cell::

    from lablib.exercises import check
    check("lambda-invocation/idempotent")          # keyword inputs allowed: check(id, x=...)

``check`` runs the registered check against the local AWS and returns a :class:`CheckResult`
that renders PASSED/FAILED with what was expected, what happened and a hint. It never raises
for a wrong or missing answer, so the learner version still runs top to bottom under nbval.

Checks of lab ``<lab-id>`` live in ``lablib/labs/<lab_id>/checks.py`` (hyphens become
underscores) and register themselves with the decorator::

    from lablib.exercises import Feedback, exercise

    @exercise("event-sources/batch-failures", title="Report only the failed messages")
    def _(fb: Feedback, queue_url: str = "") -> None:
        fb.filled(queue_url, "QUEUE_URL")
        with fb.found(sqs.exceptions.QueueDoesNotExist, "the queue exists", hint=...):
            attributes = sqs.get_queue_attributes(QueueUrl=queue_url, ...)
        fb.expect(ok, "the poison message went to the DLQ", expected=..., got=..., hint=...)

``fb.found`` reports a missing resource (got: the AWS error code), ``fb.compiles(code)`` a
handler with a syntax error, and ``fb.fail(...)`` any failure found without a condition.

Learner version: ``python scripts/make_learner.py labs/01-....ipynb`` (or
:func:`lablib.exercises.learner.make_learner`) writes ``build/learner/<same name>`` with every
solution region replaced by a stub (default ``raise NotImplementedError("Exercise: ...")``;
write ``# BEGIN SOLUTION stub: CODE`` to choose the stub line, e.g. ``MEMORY = ...``).
"""

from __future__ import annotations

from .core import CheckResult, Exercise, Feedback, Step, check, exercise, get, registered

__all__ = [
    "CheckResult",
    "Exercise",
    "Feedback",
    "Step",
    "check",
    "exercise",
    "get",
    "registered",
]
