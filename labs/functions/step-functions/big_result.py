"""Returns a report of about ``kb`` kilobytes: for the 256 KiB payload quota of every state."""


def handler(event, context):
    return {"report": "x" * int(float(event.get("kb", 1)) * 1024)}
