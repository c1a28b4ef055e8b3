"""Lab 01: an asynchronous consumer that always fails, to watch retries and failure routing."""


def handler(event, context):
    print(f"attempt for order {event.get('order_id')}")
    raise RuntimeError(f"payment service unavailable for order {event.get('order_id')}")
