"""Exercise checks of lab event-sources (they live beside the code they exercise)."""

import lablib.events.exercises  # noqa: F401  (registers the checks)
