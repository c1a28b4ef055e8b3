"""The quiz engine: one concern, practising and testing knowledge with the question bank.

It loads and validates the YAML bank in ``quizzes/`` (:mod:`.bank`, :mod:`.schema`,
:mod:`.concepts`), scores answers and builds exams to the real exam format
(:mod:`.scoring`, :mod:`.exam`), stores attempts, history and a spaced-repetition queue
(:mod:`.progress`), and delivers questions in the terminal (:mod:`.terminal`,
:mod:`.commands`), in notebooks (:mod:`.widget`) and as Anki / QTI exports (:mod:`.export`).
It never needs the local AWS.
"""


def progress_chart(*args: object, **kwargs: object) -> object:
    """Mastery over time per domain or concept (see :func:`lablib.quiz.mastery.progress_chart`)."""
    from .mastery import progress_chart as chart

    return chart(*args, **kwargs)  # type: ignore[arg-type]
