"""Fails for events marked bad: used to show asynchronous retries and the DLQ."""


def handler(event, context):
    if event.get("bad"):
        raise ValueError(f"cannot process order {event.get('id')}")
    return {"ok": event.get("id")}
