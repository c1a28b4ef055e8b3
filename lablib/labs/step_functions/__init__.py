"""Lab 05 (step-functions): ``views`` (set-up helpers: a role, deploying a handler, creating
or updating a state machine) and ``checks`` (its exercise checks)."""
