"""The seeds' /apiname/{action} example: one function, the action picked by a path
parameter. Works behind a Lambda proxy integration (the event is the whole request) and
behind a custom integration (the event is whatever the mapping template built)."""

import json

CUSTOMERS = [{"id": 1, "name": "Ann"}, {"id": 2, "name": "Bo"}]
ORDERS = [{"id": 42, "customer": 1, "total": 12.5}]


def run(action):
    if action == "getcustomers":
        return {"customers": CUSTOMERS}
    if action == "getorders":
        return {"orders": ORDERS}
    if action == "fail":
        raise ValueError("BadRequest: the action 'fail' always fails")
    raise LookupError(f"NotFound: no action named {action!r}")


def handler(event, context):
    if "httpMethod" in event:  # Lambda proxy: the whole HTTP request
        action = (event.get("pathParameters") or {}).get("action", "")
        try:
            data = run(action)
        except LookupError as exc:
            return {"statusCode": 404, "body": json.dumps({"error": str(exc)})}
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"action": action, **data}),
        }
    # custom (non-proxy) integration: the template decided the event's shape
    return {"action": event.get("action"), **run(event.get("action", ""))}
