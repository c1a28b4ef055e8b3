"""Lab 01 (lambda-invocation): its views are the general notebook helpers (``views``
re-exports the ones the lab uses) and ``checks`` holds its exercise checks."""
