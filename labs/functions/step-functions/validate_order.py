"""Step 1 of the order workflow: reject orders without items (a custom error)."""


class InvalidOrder(Exception):
    """Raised for orders that cannot be processed; Step Functions sees errorType InvalidOrder."""


def handler(event, context):
    items = event.get("items") or []
    if not items:
        raise InvalidOrder(f"order {event.get('orderId')} has no items")
    for item in items:
        if item.get("qty", 0) <= 0:
            raise InvalidOrder(f"order {event.get('orderId')}: bad quantity for {item.get('sku')}")
    return {"orderId": event.get("orderId"), "valid": True, "lines": len(items)}
