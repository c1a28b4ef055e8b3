"""Lab 01: imports a helper that is not in its own zip but in a layer (unpacked under /opt)."""

import sys

import pricing_rules  # comes from the layer's python/ folder


def handler(event, context):
    return {
        "total": pricing_rules.with_tax(event.get("net", 100)),
        "helper_from": pricing_rules.__file__,
        "opt_on_path": [p for p in sys.path if p.startswith("/opt")],
    }
