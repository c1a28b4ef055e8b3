"""Exercise checks of lab api-gateway (they live beside the code they exercise)."""

import lablib.apigateway.exercises  # noqa: F401  (registers the checks)
