"""Prices an order: total = sum(qty * price) plus a flat shipping fee."""

SHIPPING = 4.5


def handler(event, context):
    items = event["items"]
    subtotal = round(sum(item["qty"] * item["price"] for item in items), 2)
    return {"subtotal": subtotal, "shipping": SHIPPING, "total": round(subtotal + SHIPPING, 2)}
