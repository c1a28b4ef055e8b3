"""Map iteration: pack one line of the order; ``delay`` (seconds) makes it slow on purpose."""

import time


def handler(event, context):
    time.sleep(float(event.get("delay", 0)))
    return {"sku": event["sku"], "parcels": max(1, int(event["qty"]) // 2), "packed": True}
