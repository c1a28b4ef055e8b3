"""Sleeps ``seconds`` (for timeouts: the Lambda timeout vs a state's TimeoutSeconds)."""

import time


def handler(event, context):
    time.sleep(float(event.get("seconds", 0)))
    return {"slept": event.get("seconds", 0)}
