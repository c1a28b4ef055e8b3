"""Stands in for a function that writes to a relational database with few connections."""

import time


def handler(event, context):
    time.sleep(float(event.get("seconds", 0.5)))
    return {"written": event.get("id")}
