"""The function lab 04 releases: its answer names the release it belongs to.

Configuration is part of a version, so the release label and the BROKEN switch come from
environment variables and are frozen with the code when a version is published.
"""

import os

RELEASE = os.environ.get("RELEASE", "dev")


def handler(event, context):
    if os.environ.get("BROKEN") == "1":
        raise RuntimeError(f"release {RELEASE} is broken: order {event.get('order')} lost")
    alias = context.invoked_function_arn.split(":")[-1]
    return {
        "release": RELEASE,
        "version": context.function_version,
        "called_as": alias if alias != context.function_name else None,
    }
