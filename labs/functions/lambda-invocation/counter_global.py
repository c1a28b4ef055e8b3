"""Lab 01: counts page views in a global variable (wrong as soon as there are two copies)."""

import time

VIEWS = 0


def handler(event, context):
    global VIEWS
    VIEWS += 1
    time.sleep(event.get("work_seconds", 0))
    return {"views": VIEWS}
