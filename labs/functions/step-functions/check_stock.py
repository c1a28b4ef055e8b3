"""Parallel branch: is every item in stock? (items with sku starting 'X' are not)."""


def handler(event, context):
    missing = [item["sku"] for item in event["items"] if item["sku"].startswith("X")]
    return {"inStock": not missing, "missing": missing}
