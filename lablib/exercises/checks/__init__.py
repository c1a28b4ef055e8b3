"""Check functions, one module per lab (``<lab_id>.py`` with hyphens as underscores), each
registering its exercises with ``@lablib.exercises.exercise``; imported on first use."""
