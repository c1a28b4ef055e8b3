"""Lab 01: a handler that waits on a slow 'downstream' longer than its timeout allows."""

import time


def handler(event, context):
    print(f"calling the slow downstream, {context.get_remaining_time_in_millis()} ms left")
    time.sleep(event.get("downstream_seconds", 2))
    return {"status": "done"}
