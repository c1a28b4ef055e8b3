"""Exercise checks of lab versions-aliases (they live beside the code they exercise)."""

import lablib.deploy.checks  # noqa: F401  (registers the checks)
