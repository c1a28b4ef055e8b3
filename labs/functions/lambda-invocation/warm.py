"""Lab 01: what survives between invocations of one execution environment."""

import os
import tempfile
import time

INIT_STARTED = time.time()
time.sleep(0.2)  # stands in for expensive start-up work (imports, SDK clients, config)
INVOCATIONS = 0


def handler(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    marker = os.path.join(tempfile.gettempdir(), "visits.txt")
    with open(marker, "a") as f:
        f.write(".")
    with open(marker) as f:
        visits = len(f.read())
    return {"pid": os.getpid(), "invocations_here": INVOCATIONS, "tmp_visits": visits}
