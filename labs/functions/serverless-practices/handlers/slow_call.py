"""Waits on a slow downstream call longer than the function's timeout allows."""

import time


def handler(event, context):
    time.sleep(float(event.get("seconds", 10)))
    return "done"
