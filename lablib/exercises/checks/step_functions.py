"""Exercise checks of lab step-functions (they live beside the code they exercise)."""

import lablib.stepfunctions.checks  # noqa: F401  (registers the checks)
